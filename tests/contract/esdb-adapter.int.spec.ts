/**
 * What the contract suite does not reach in the EventStoreDB adapter: its position scheme under both
 * placements of EventStoreDB's commit record and both append calls (Append, BatchAppend), atomicity
 * under a failure EventStoreDB does raise, the idempotency claim settled after a crash, reachability.
 * All through the real client over real gRPC to the in-process fake server.
 */
import { randomUUID } from 'node:crypto';
import { NO_STREAM } from '@eventstore/db-client';
import {
  APPEND_EVENTS_MAX,
  EsdbEventStore,
  IDEMPOTENCY_STREAM_PREFIX,
  POSITION_SLOTS_PER_COMMIT,
} from '../../src/event-store/esdb.event-store';
import { type NewEvent, type RecordedEvent, EventStoreUnavailableError, IdempotencyReplayError } from '../../src/event-store/event-store.port';
import { chain, verifyStreamChain } from '../../src/event-store/hash-chain';
import { FakeEsdbServer, type FakeEsdbOptions } from '../support/fake-esdb';

function newEvent(data: unknown = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'TransferSent',
    data,
    metadata: { actor: { id: 'u', role: 'finance-officer' }, occurredAt: '2022-06-30', recordedAt: new Date().toISOString(), correlationId: 'c', causationId: 'c', schemaVersion: 1 },
  };
}
const batch = (count: number) => Array.from({ length: count }, (_, index) => newEvent({ index }));
const ids = (list: Array<{ eventId: string }>) => list.map((event) => event.eventId);

async function withServer(options: FakeEsdbOptions, run: (store: EsdbEventStore, fake: FakeEsdbServer) => Promise<void>): Promise<void> {
  const fake = new FakeEsdbServer(options);
  await fake.start();
  const store = new EsdbEventStore({ connectionString: fake.connectionString });
  try {
    await store.connect();
    await run(store, fake);
  } finally {
    await store.close();
    await fake.stop();
  }
}

describe.each([
  { positionModel: 'commit-record-after', batchAppend: true },
  { positionModel: 'commit-at-first-prepare', batchAppend: false },
] as const)('esdb adapter positions ($positionModel, batchAppend: $batchAppend)', (options) => {
  it('encodes commit x 4096 + index + 1; pages and backwards reads from every position join into the whole; subscriptions start right after any position', async () => {
    await withServer({ ...options, systemEventEvery: 2 }, async (store, fake) => {
      const appended: RecordedEvent[] = [];
      for (let round = 0; round < 6; round++) {
        appended.push(...(await store.append(`s-${round % 3}`, batch(1 + (round % 4)), { expectedVersion: 'any' })).events);
      }
      expect(fake.calls[options.batchAppend ? 'batchAppend' : 'append']).toBeGreaterThan(0);
      expect(fake.calls[options.batchAppend ? 'append' : 'batchAppend']).toBeUndefined();
      const stored = new Map(fake.allEvents().map((event) => [event.id, event]));
      for (const event of appended) {
        const commit = Number(stored.get(event.eventId)!.commit);
        expect(Math.floor((event.position - 1) / POSITION_SLOTS_PER_COMMIT)).toBe(commit);
      }
      const positions = appended.map((event) => event.position);
      for (let index = 1; index < positions.length; index++) expect(positions[index]).toBeGreaterThan(positions[index - 1]);

      expect(ids(await store.readAll())).toEqual(ids(appended));
      for (let index = 0; index < appended.length; index++) {
        const after = appended[index].position;
        expect(ids(await store.readAll({ after, limit: 2 }))).toEqual(ids(appended.slice(index + 1, index + 3)));
        expect(ids(await store.readAll({ after, direction: 'backwards', limit: 3 }))).toEqual(ids(appended.slice(Math.max(0, index - 3), index).reverse()));
      }
      expect(await store.headPosition()).toBe(positions[positions.length - 1]);

      for (const index of [0, 2, 5, 9]) {
        const received: string[] = [];
        let caughtUp = false;
        const subscription = store.subscribe({ after: appended[index].position, onEvent: (event) => void received.push(event.eventId), onCaughtUp: () => (caughtUp = true) });
        const live = (await store.append('s-live', batch(2), { expectedVersion: 'any' })).events;
        const deadline = Date.now() + 5_000;
        while ((!caughtUp || received.length < appended.length - index - 1 + live.length) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await subscription.close();
        expect(received).toEqual([...ids(appended.slice(index + 1)), ...ids(live)]);
        appended.push(...live);
      }
    });
  });
});

describe('esdb adapter', () => {
  it('an append that EventStoreDB refuses (over its maximum append size) writes none of its events, nor its idempotency key', async () => {
    await withServer({ maxAppendSize: 64 * 1024 }, async (store) => {
      await store.append('a', batch(1), { expectedVersion: 'no-stream' });
      const head = await store.headPosition();
      const tooBig = [...batch(3), newEvent({ padding: 'x'.repeat(100 * 1024) })];
      await expect(store.append('b', tooBig, { expectedVersion: 'no-stream' })).rejects.toThrow(/Maximum Append Size/i);
      await expect(store.append('b', tooBig, { expectedVersion: 'no-stream', idempotency: { key: 'k-big', requestHash: 'h', response: 1 } })).rejects.toThrow();
      expect(await store.readStream('b')).toEqual([]);
      expect(await store.headPosition()).toBe(head);
      expect(await store.findIdempotency('k-big')).toBeUndefined();
    });
  });

  it('a claim left pending by a crash before its events is completed once by whoever next asks about the key', async () => {
    await withServer({}, async (store) => {
      const events = batch(2);
      const chained = chain('pay', 0, '', events).map(({ version: _version, ...event }) => event);
      const internals = store as unknown as { writeClaim(next: unknown, data: unknown): Promise<unknown> };
      await internals.writeClaim(NO_STREAM, { key: 'k1', requestHash: 'h', response: { paymentId: 'p1' }, streamId: 'pay', expectedRevision: -1, events: chained });
      expect(await store.readStream('pay')).toEqual([]);

      expect(await store.findIdempotency('k1')).toEqual({ key: 'k1', requestHash: 'h', response: { paymentId: 'p1' } });
      expect(await store.findIdempotency('k1')).toEqual({ key: 'k1', requestHash: 'h', response: { paymentId: 'p1' } });
      const written = await store.readStream('pay');
      expect(ids(written)).toEqual(ids(events));
      expect(verifyStreamChain(written)).toBeUndefined();
      await expect(store.append('pay', batch(1), { expectedVersion: 1, idempotency: { key: 'k1', requestHash: 'h', response: 2 } })).rejects.toBeInstanceOf(IdempotencyReplayError);
      expect(await store.readStream('pay')).toHaveLength(2);
    });
  });

  it('a pending claim whose place in the stream was taken by other events is aborted: the key is free again', async () => {
    await withServer({}, async (store) => {
      const chained = chain('pay', 0, '', batch(1)).map(({ version: _version, ...event }) => event);
      const internals = store as unknown as { writeClaim(next: unknown, data: unknown): Promise<unknown> };
      await internals.writeClaim(NO_STREAM, { key: 'k2', requestHash: 'h', response: 1, streamId: 'pay', expectedRevision: -1, events: chained });
      await store.append('pay', batch(1), { expectedVersion: 'no-stream' });
      expect(await store.findIdempotency('k2')).toBeUndefined();
      await store.append('pay', batch(1), { expectedVersion: 0, idempotency: { key: 'k2', requestHash: 'h', response: 2 } });
      expect((await store.findIdempotency('k2'))?.response).toBe(2);
      expect(await store.readStream('pay')).toHaveLength(2);
    });
  });

  it('readAll, headPosition and subscribe show neither system events nor idempotency records, which are in $all', async () => {
    await withServer({ systemEventEvery: 1 }, async (store, fake) => {
      await store.append('a', batch(2), { expectedVersion: 'no-stream', idempotency: { key: 'k', requestHash: 'h', response: 1 } });
      const streams = new Set(fake.allEvents().map((event) => event.streamName));
      expect([...streams].some((name) => name.startsWith('$'))).toBe(true);
      expect([...streams].some((name) => name.startsWith(IDEMPOTENCY_STREAM_PREFIX))).toBe(true);
      expect(new Set((await store.readAll()).map((event) => event.streamId))).toEqual(new Set(['a']));
      expect((await store.readAll({ direction: 'backwards' })).map((event) => event.streamId)).toEqual(['a', 'a']);
    });
  });

  it('refuses reserved stream names and appends over its bound', async () => {
    await withServer({}, async (store) => {
      await expect(store.append('$settings', batch(1), { expectedVersion: 'any' })).rejects.toThrow(/reserved/);
      await expect(store.append(`${IDEMPOTENCY_STREAM_PREFIX}x`, batch(1), { expectedVersion: 'any' })).rejects.toThrow(/reserved/);
      await expect(store.append('a', batch(APPEND_EVENTS_MAX + 1), { expectedVersion: 'any' })).rejects.toThrow(/at most/);
    });
  });

  it('connect() names the server it cannot reach', async () => {
    const fake = new FakeEsdbServer();
    await fake.start();
    await fake.stop();
    const store = new EsdbEventStore({ connectionString: fake.connectionString });
    try {
      const error = await store.connect().then(
        () => undefined,
        (caught: Error) => caught,
      );
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(error!.message).toMatch(/unavailable: cannot reach EventStoreDB at esdb:\/\/127\.0\.0\.1:\d+\?tls=false/);
    } finally {
      await store.close();
    }
  });
});

/**
 * The event store contract: written once, run against every adapter (Emmett's `features.ts` shape).
 * Each adapter's spec file passes a factory for a fresh harness per test and a destroy function.
 *
 * The suite never assumes an empty store: every test writes to its own streams (a random prefix) and
 * reads the global log from the head position it saw before writing, filtering to its own streams.
 * So an adapter over a shared server (EventStoreDB) can run it too.
 */
import { randomUUID } from 'node:crypto';
import {
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
  EventStoreUnavailableError,
  IdempotencyReplayError,
  WrongExpectedVersionError,
} from '../../src/event-store/event-store.port';
import { verifyStreamChain } from '../../src/event-store/hash-chain';
import { createEventStore } from '../../src/event-store/create-event-store';

export interface ContractHarness {
  store: EventStore;
  /** stop the engine or cut the connection; */
  breakEngine?: () => Promise<void>;
  restoreEngine?: () => Promise<void>;
}

// ------------------------------------------------------------------------------------------------
// helpers

let sequence = 0;

export function newEvent<Data>(type: string, data: Data, overrides: Partial<NewEvent<Data>> = {}): NewEvent<Data> {
  sequence += 1;
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      actor: { id: 'u-contract', role: 'finance-officer', unit: '呼和浩特市财政局' },
      occurredAt: '2022-06-30',
      recordedAt: new Date().toISOString(),
      document: '呼财工指〔2022〕28号',
      correlationId: `c-${sequence}`,
      causationId: `c-${sequence}`,
      schemaVersion: 1,
    },
    ...overrides,
  };
}

function events(count: number, type = 'TransferSent'): NewEvent[] {
  return Array.from({ length: count }, (_, index) => newEvent(type, { index, amount_fen: 3_000_000 + index }));
}

async function expectRejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}, the call succeeded`);
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every event of the log after `after`, forwards, paged with `pageSize`, bounded. */
async function readAllFrom(store: EventStore, after: number, pageSize = 1_000): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let position = after;
  for (let page = 0; page < 100_000; page++) {
    const batch = await store.readAll({ after: position, limit: pageSize });
    if (batch.length === 0) return all;
    all.push(...batch);
    position = batch[batch.length - 1].position;
  }
  throw new Error('readAll did not end');
}

function ids(list: Array<{ eventId: string }>): string[] {
  return list.map((event) => event.eventId);
}

function expectStrictlyIncreasing(positions: number[]): void {
  for (let index = 1; index < positions.length; index++) {
    if (!(positions[index] > positions[index - 1])) {
      throw new Error(`position ${positions[index]} at index ${index} does not follow ${positions[index - 1]}`);
    }
  }
}

/** The read-modify-append loop of a command handler: read the last version, append, retry on conflict. */
async function appendWithRetry(store: EventStore, streamId: string, event: NewEvent, attemptsMax = 2_000): Promise<AppendResult> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const [last] = await store.readStream(streamId, { direction: 'backwards', limit: 1 });
    const expectedVersion: ExpectedVersion = last ? last.version : 'no-stream';
    try {
      return await store.append(streamId, [event], { expectedVersion });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
  }
  throw new Error(`append to ${streamId} still conflicting after ${attemptsMax} attempts`);
}

// ------------------------------------------------------------------------------------------------
// the contract

export function eventStoreContract(
  adapterName: string,
  createHarness: () => Promise<ContractHarness>,
  destroy: (h: ContractHarness) => Promise<void>,
): void {
  describe(`event store contract: ${adapterName}`, () => {
    let harness: ContractHarness;
    let store: EventStore;
    let prefix: string;
    const stream = (name: string) => `${prefix}-${name}`;

    beforeEach(async () => {
      harness = await createHarness();
      store = harness.store;
      prefix = `ct${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      if (harness) await destroy(harness);
    });

    describe('append with an expected version', () => {
      it("'no-stream' creates a stream at versions 0..n-1 and answers the last version as the next expected one", async () => {
        const result = await store.append(stream('a'), events(3), { expectedVersion: 'no-stream' });
        expect(result.streamId).toBe(stream('a'));
        expect(result.nextExpectedVersion).toBe(2);
        expect(result.events.map((event) => event.version)).toEqual([0, 1, 2]);
        expectStrictlyIncreasing(result.events.map((event) => event.position));
        expect(ids(await store.readStream(stream('a')))).toEqual(ids(result.events));
      });

      it("'no-stream' and -1 on an existing stream raise WrongExpectedVersionError naming the actual version", async () => {
        await store.append(stream('a'), events(2), { expectedVersion: -1 });
        for (const expectedVersion of ['no-stream', -1] as const) {
          const error = await expectRejection(store.append(stream('a'), events(1), { expectedVersion }), WrongExpectedVersionError);
          expect(error.streamId).toBe(stream('a'));
          expect(error.expected).toBe(expectedVersion);
          expect(error.actual).toBe(1);
        }
        expect(await store.readStream(stream('a'))).toHaveLength(2);
      });

      it('a number appends only when it is the last version: stale and future numbers are refused, nothing written', async () => {
        const first = await store.append(stream('a'), events(2), { expectedVersion: 'no-stream' });
        const second = await store.append(stream('a'), events(1), { expectedVersion: first.nextExpectedVersion });
        expect(second.nextExpectedVersion).toBe(2);
        expect(second.events[0].version).toBe(2);

        const stale = await expectRejection(store.append(stream('a'), events(1), { expectedVersion: 1 }), WrongExpectedVersionError);
        expect(stale.actual).toBe(2);
        const future = await expectRejection(store.append(stream('a'), events(1), { expectedVersion: 7 }), WrongExpectedVersionError);
        expect(future.actual).toBe(2);
        const missing = await expectRejection(store.append(stream('none'), events(1), { expectedVersion: 0 }), WrongExpectedVersionError);
        expect(missing.actual).toBe(-1);

        expect((await store.readStream(stream('a'))).map((event) => event.version)).toEqual([0, 1, 2]);
        expect(await store.readStream(stream('none'))).toEqual([]);
      });

      it("'stream-exists' is refused on a missing stream (actual -1) and appends at the end of an existing one", async () => {
        const refused = await expectRejection(
          store.append(stream('a'), events(1), { expectedVersion: 'stream-exists' }),
          WrongExpectedVersionError,
        );
        expect(refused.actual).toBe(-1);
        expect(await store.readStream(stream('a'))).toEqual([]);

        await store.append(stream('a'), events(2), { expectedVersion: 'no-stream' });
        const result = await store.append(stream('a'), events(1), { expectedVersion: 'stream-exists' });
        expect(result.events[0].version).toBe(2);
      });

      it("'any' appends to a missing stream and to an existing one without a check", async () => {
        const created = await store.append(stream('a'), events(1), { expectedVersion: 'any' });
        expect(created.events[0].version).toBe(0);
        const appended = await store.append(stream('a'), events(2), { expectedVersion: 'any' });
        expect(appended.events.map((event) => event.version)).toEqual([1, 2]);
        expect(appended.nextExpectedVersion).toBe(2);
      });

      it('recorded events carry stream, version, position, type, data and metadata as written', async () => {
        const written = newEvent('PayoutSent', { amount_fen: 30_000_000, enterprise: '正耐电气', direction: '首台套', nested: { a: [1, 2, { b: null }] } });
        const [recorded] = (await store.append(stream('a'), [written], { expectedVersion: 'no-stream' })).events;
        const [read] = await store.readStream(stream('a'));
        for (const event of [recorded, read]) {
          expect(event).toMatchObject({ streamId: stream('a'), version: 0, eventId: written.eventId, type: 'PayoutSent' });
          expect(event.data).toEqual(written.data);
          expect(event.metadata).toEqual(written.metadata);
          expect(event.prevHash).toBe('');
          expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
        }
        expect(read.position).toBe(recorded.position);
        expect(read.hash).toBe(recorded.hash);
      });
    });

    describe('idempotent re-append (a retried call with the same event ids)', () => {
      it('returns the first result and writes no duplicate, at the end of the stream', async () => {
        const batch = events(3);
        const first = await store.append(stream('a'), batch, { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        const retry = await store.append(stream('a'), batch, { expectedVersion: 'no-stream' });
        expect(retry.nextExpectedVersion).toBe(first.nextExpectedVersion);
        expect(retry.events.map((event) => [event.eventId, event.version, event.position, event.hash])).toEqual(
          first.events.map((event) => [event.eventId, event.version, event.position, event.hash]),
        );
        expect(ids(await store.readStream(stream('a')))).toEqual(ids(batch));
        expect(await store.headPosition()).toBe(head);
      });

      it('returns the first result even after later events were appended (a late retry)', async () => {
        const batch = events(2);
        const first = await store.append(stream('a'), batch, { expectedVersion: 'no-stream' });
        await store.append(stream('a'), events(2), { expectedVersion: 1 });
        const retry = await store.append(stream('a'), batch, { expectedVersion: 'no-stream' });
        expect(retry.events.map((event) => event.position)).toEqual(first.events.map((event) => event.position));
        expect(retry.nextExpectedVersion).toBe(1);
        expect(await store.readStream(stream('a'))).toHaveLength(4);
      });

      it("with expected version 'any' the retry is also answered with the first result, no duplicate", async () => {
        const batch = events(2);
        const first = await store.append(stream('a'), batch, { expectedVersion: 'any' });
        const retry = await store.append(stream('a'), batch, { expectedVersion: 'any' });
        expect(retry.events.map((event) => event.position)).toEqual(first.events.map((event) => event.position));
        expect(await store.readStream(stream('a'))).toHaveLength(2);
      });

      it('a different batch with a stale version is still refused, even if it shares an id with the stream', async () => {
        const batch = events(2);
        await store.append(stream('a'), batch, { expectedVersion: 'no-stream' });
        await expectRejection(store.append(stream('a'), [batch[0], newEvent('Other', {})], { expectedVersion: 'no-stream' }), WrongExpectedVersionError);
        expect(await store.readStream(stream('a'))).toHaveLength(2);
      });
    });

    describe('idempotency record (one effect per command key)', () => {
      it('is written with the events and found again by its key', async () => {
        const key = `${prefix}-key-1`;
        expect(await store.findIdempotency(key)).toBeUndefined();
        const response = { paymentId: 'p-1', amount_fen: 3_000_000, note: '已拨付' };
        await store.append(stream('a'), events(2), { expectedVersion: 'no-stream', idempotency: { key, requestHash: 'h1', response } });
        expect(await store.findIdempotency(key)).toEqual({ key, requestHash: 'h1', response });
      });

      it('a second append with the same key raises IdempotencyReplayError carrying the first response, and appends nothing', async () => {
        const key = `${prefix}-key-2`;
        const response = { paymentId: 'p-2' };
        await store.append(stream('a'), events(1), { expectedVersion: 'no-stream', idempotency: { key, requestHash: 'h1', response } });
        const head = await store.headPosition();
        for (const [target, expectedVersion] of [
          [stream('a'), 0],
          [stream('b'), 'no-stream'],
        ] as const) {
          const error = await expectRejection(
            store.append(target, events(2), { expectedVersion, idempotency: { key, requestHash: 'h2', response: { other: true } } }),
            IdempotencyReplayError,
          );
          expect(error.record).toEqual({ key, requestHash: 'h1', response });
        }
        expect(await store.readStream(stream('a'))).toHaveLength(1);
        expect(await store.readStream(stream('b'))).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      it('a refused append (wrong version) does not record its key: the command can be retried', async () => {
        const key = `${prefix}-key-3`;
        await store.append(stream('a'), events(1), { expectedVersion: 'no-stream' });
        await expectRejection(
          store.append(stream('a'), events(1), { expectedVersion: 'no-stream', idempotency: { key, requestHash: 'h', response: 1 } }),
          WrongExpectedVersionError,
        );
        expect(await store.findIdempotency(key)).toBeUndefined();
        await store.append(stream('a'), events(1), { expectedVersion: 0, idempotency: { key, requestHash: 'h', response: 1 } });
        expect((await store.findIdempotency(key))?.response).toBe(1);
      });

      it('concurrent appends with the same key: exactly one takes effect, the others get the replay error', async () => {
        const key = `${prefix}-key-4`;
        const outcomes = await Promise.allSettled(
          Array.from({ length: 5 }, (_, index) =>
            store.append(stream(`c${index}`), events(1), { expectedVersion: 'any', idempotency: { key, requestHash: 'h', response: { index } } }),
          ),
        );
        const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        for (const outcome of rejected) expect(outcome.reason).toBeInstanceOf(IdempotencyReplayError);
        let written = 0;
        for (let index = 0; index < 5; index++) written += (await store.readStream(stream(`c${index}`))).length;
        expect(written).toBe(1);
      });
    });

    describe('readStream', () => {
      beforeEach(async () => {
        await store.append(stream('r'), events(4), { expectedVersion: 'no-stream' });
        await store.append(stream('other'), events(2), { expectedVersion: 'no-stream' });
        await store.append(stream('r'), events(6), { expectedVersion: 3 });
      });

      const versions = (list: RecordedEvent[]) => list.map((event) => event.version);

      it('forwards: all versions in order, only of that stream', async () => {
        const all = await store.readStream(stream('r'));
        expect(versions(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(new Set(all.map((event) => event.streamId))).toEqual(new Set([stream('r')]));
      });

      it('forwards from a version (inclusive) with a limit', async () => {
        expect(versions(await store.readStream(stream('r'), { fromVersion: 3, limit: 2 }))).toEqual([3, 4]);
        expect(versions(await store.readStream(stream('r'), { fromVersion: 8, limit: 5 }))).toEqual([8, 9]);
        expect(await store.readStream(stream('r'), { fromVersion: 10 })).toEqual([]);
      });

      it('backwards: from the last by default, or from a version (inclusive), with a limit', async () => {
        expect(versions(await store.readStream(stream('r'), { direction: 'backwards', limit: 3 }))).toEqual([9, 8, 7]);
        expect(versions(await store.readStream(stream('r'), { direction: 'backwards', fromVersion: 4, limit: 2 }))).toEqual([4, 3]);
        expect(versions(await store.readStream(stream('r'), { direction: 'backwards', fromVersion: 1 }))).toEqual([1, 0]);
        expect(versions(await store.readStream(stream('r'), { direction: 'backwards' }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      });

      it('a stream that does not exist reads as empty, both ways', async () => {
        expect(await store.readStream(stream('missing'))).toEqual([]);
        expect(await store.readStream(stream('missing'), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('readAll and headPosition', () => {
      it('reads every stream in global (append) order with strictly increasing positions, as the appends answered', async () => {
        const before = await store.headPosition();
        const appended: RecordedEvent[] = [];
        for (let round = 0; round < 4; round++) {
          for (const name of ['x', 'y', 'z']) {
            const result = await store.append(stream(name), events(round % 2 === 0 ? 1 : 2), { expectedVersion: 'any' });
            appended.push(...result.events);
          }
        }
        const mine = (await readAllFrom(store, before)).filter((event) => event.streamId.startsWith(prefix));
        expect(ids(mine)).toEqual(ids(appended));
        expect(mine.map((event) => event.position)).toEqual(appended.map((event) => event.position));
        expectStrictlyIncreasing(mine.map((event) => event.position));
        expect(mine.every((event) => event.position > before)).toBe(true);
      });

      it('pages with after (exclusive) and limit: the pages join into the whole, without repeats or holes', async () => {
        const before = await store.headPosition();
        for (let index = 0; index < 5; index++) await store.append(stream(`p${index % 2}`), events(3), { expectedVersion: 'any' });
        const whole = await readAllFrom(store, before, 10_000);
        const paged = await readAllFrom(store, before, 4);
        expect(ids(paged)).toEqual(ids(whole));
        const firstPage = await store.readAll({ after: before, limit: 4 });
        expect(firstPage).toHaveLength(4);
        const secondPage = await store.readAll({ after: firstPage[3].position, limit: 4 });
        expect(ids(secondPage)).toEqual(ids(whole.slice(4, 8)));
      });

      it('reads backwards from the end, or from before a position (exclusive)', async () => {
        const before = await store.headPosition();
        const appended: RecordedEvent[] = [];
        for (let index = 0; index < 3; index++) appended.push(...(await store.append(stream(`b${index}`), events(2), { expectedVersion: 'no-stream' })).events);
        const newest = (await store.readAll({ direction: 'backwards', limit: 6 })).filter((event) => event.streamId.startsWith(prefix));
        expect(ids(newest)).toEqual(ids(appended).reverse());
        const older = await store.readAll({ direction: 'backwards', after: appended[3].position, limit: 2 });
        expect(ids(older)).toEqual([appended[2].eventId, appended[1].eventId]);
        const positions = (await store.readAll({ direction: 'backwards', after: appended[5].position + 1, limit: 6 })).map((event) => event.position);
        expect(positions.slice(0, 6)).toEqual(appended.map((event) => event.position).reverse());
        expect(positions.slice(6).every((position) => position <= before)).toBe(true);
      });

      it('config, where the adapter gives one, opens the same store again: a second connection reads what the first appended', async () => {
        // (a long catch-up opens the store again from a worker thread with it; an in-memory store gives none)
        const config = store.config;
        if (!config) return;
        const result = await store.append(stream('again'), events(2), { expectedVersion: 'no-stream' });
        const again = await createEventStore(config);
        try {
          expect(await again.headPosition()).toBeGreaterThanOrEqual(result.events[1].position);
          expect(ids(await again.readStream(stream('again')))).toEqual(ids(result.events));
        } finally {
          await again.close();
        }
      });

      it('headPosition is the position of the last event appended, and does not move on a refused append', async () => {
        const before = await store.headPosition();
        expect(before).toBeGreaterThanOrEqual(0);
        const result = await store.append(stream('h'), events(3), { expectedVersion: 'no-stream' });
        expect(await store.headPosition()).toBe(result.events[2].position);
        await expectRejection(store.append(stream('h'), events(1), { expectedVersion: 'no-stream' }), WrongExpectedVersionError);
        expect(await store.headPosition()).toBe(result.events[2].position);
      });
    });

    describe('subscribe', () => {
      let subscription: Subscription | undefined;
      afterEach(async () => {
        await subscription?.close();
        subscription = undefined;
      });

      it('catches up on history, reports caught-up, then delivers live events: in order, each once; nothing after close()', async () => {
        const before = await store.headPosition();
        const history = [
          ...(await store.append(stream('s1'), events(3), { expectedVersion: 'no-stream' })).events,
          ...(await store.append(stream('s2'), events(2), { expectedVersion: 'no-stream' })).events,
        ];
        const received: RecordedEvent[] = [];
        let receivedAtCaughtUp = -1;
        subscription = store.subscribe({
          after: before,
          onEvent: async (event) => {
            if (event.streamId.startsWith(prefix)) received.push(event);
          },
          onCaughtUp: () => {
            receivedAtCaughtUp = received.length;
          },
        });
        await eventually(() => receivedAtCaughtUp >= 0, 5_000, 'caught up');
        expect(receivedAtCaughtUp).toBe(5);
        expect(ids(received)).toEqual(ids(history));

        const live: RecordedEvent[] = [];
        for (let index = 0; index < 4; index++) {
          live.push(...(await store.append(stream(`s${index % 2 + 1}`), events(2), { expectedVersion: 'stream-exists' })).events);
        }
        await eventually(() => received.length >= 13, 5_000, '13 events');
        expect(ids(received)).toEqual([...ids(history), ...ids(live)]);
        expectStrictlyIncreasing(received.map((event) => event.position));

        await subscription.close();
        subscription = undefined;
        await store.append(stream('s1'), events(2), { expectedVersion: 'stream-exists' });
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(received).toHaveLength(13);
      });

      it('starts after the position it is given (exclusive)', async () => {
        const appended = (await store.append(stream('s'), events(5), { expectedVersion: 'no-stream' })).events;
        const received: string[] = [];
        let caughtUp = false;
        subscription = store.subscribe({
          after: appended[2].position,
          onEvent: (event) => {
            if (event.streamId.startsWith(prefix)) received.push(event.eventId);
          },
          onCaughtUp: () => {
            caughtUp = true;
          },
        });
        await eventually(() => caughtUp, 5_000, 'caught up');
        expect(received).toEqual(ids(appended.slice(3)));
      });

      it('waits for each handler before delivering the next event', async () => {
        const before = await store.headPosition();
        await store.append(stream('s'), events(5), { expectedVersion: 'no-stream' });
        let running = 0;
        let overlapping = 0;
        let count = 0;
        subscription = store.subscribe({
          after: before,
          onEvent: async () => {
            running += 1;
            if (running > 1) overlapping += 1;
            await new Promise((resolve) => setTimeout(resolve, 5));
            running -= 1;
            count += 1;
          },
        });
        await eventually(() => count >= 5, 5_000, '5 events');
        expect(overlapping).toBe(0);
      });
    });

    describe('content', () => {
      it('round-trips a large event (1 MB of data) through readStream and readAll, with its hash intact', async () => {
        const before = await store.headPosition();
        const big = newEvent('DocumentAttached', { text: '专'.repeat(100) + 'x'.repeat(1024 * 1024), rows: Array.from({ length: 1000 }, (_, index) => index) });
        await store.append(stream('big'), [big, newEvent('Small', { ok: true })], { expectedVersion: 'no-stream' });
        const [read] = await store.readStream(stream('big'), { limit: 1 });
        expect(read.data).toEqual(big.data);
        const [fromAll] = (await store.readAll({ after: before, limit: 10 })).filter((event) => event.eventId === big.eventId);
        expect(fromAll.data).toEqual(big.data);
        expect(verifyStreamChain(await store.readStream(stream('big')))).toBeUndefined();
      });

      it('round-trips 中文 stream names, types, data and metadata unchanged', async () => {
        const name = stream('呼和浩特市-2022年工业高质量发展专项资金-赛罕区财政局');
        const event = newEvent('资金拨付', {
          fund: '2022年工业高质量发展专项资金',
          holder: '赛罕区工信局',
          enterprise: '内蒙古正耐电气有限公司',
          note: '成熟一批、报送一批 — “首台套” 30万元 ✓ 𠀀',
          keys: { 中文键: '值', 'quote"and\\backslash': '\n\t' },
        });
        await store.append(name, [event], { expectedVersion: 'no-stream' });
        const [read] = await store.readStream(name);
        expect(read.streamId).toBe(name);
        expect(read.type).toBe('资金拨付');
        expect(read.data).toEqual(event.data);
        expect(read.metadata).toEqual(event.metadata);
        const [last] = await store.readAll({ direction: 'backwards', limit: 1 });
        expect(last.streamId).toBe(name);
        expect(verifyStreamChain([read])).toBeUndefined();
      });
    });

    describe('concurrency, integrity and atomicity', () => {
      it('20 writers x 10 read-modify-append-retry appends on one stream: exactly 200 events, versions 0..199, none lost or doubled', async () => {
        const name = stream('hot');
        const written: string[] = [];
        await Promise.all(
          Array.from({ length: 20 }, async (_, writer) => {
            for (let index = 0; index < 10; index++) {
              const event = newEvent('TransferSent', { writer, index });
              await appendWithRetry(store, name, event);
              written.push(event.eventId);
            }
          }),
        );
        const all = await store.readStream(name);
        expect(all).toHaveLength(200);
        expect(all.map((event) => event.version)).toEqual(Array.from({ length: 200 }, (_, index) => index));
        expect(new Set(ids(all))).toEqual(new Set(written));
        expectStrictlyIncreasing(all.map((event) => event.position));
        expect(verifyStreamChain(all)).toBeUndefined();
      }, 60_000);

      it('a reader tailing readAll while many writers append never skips an event: it sees every one exactly once, in position order', async () => {
        const before = await store.headPosition();
        const written = new Set<string>();
        let writing = true;
        const writers = Promise.all(
          Array.from({ length: 8 }, async (_, writer) => {
            for (let index = 0; index < 25; index++) {
              const batch = events(1 + (index % 3));
              await store.append(stream(`w${writer}`), batch, { expectedVersion: 'any' });
              for (const event of batch) written.add(event.eventId);
            }
          }),
        ).finally(() => {
          writing = false;
        });
        const seen: RecordedEvent[] = [];
        const reader = (async () => {
          let checkpoint = before;
          for (let round = 0; round < 100_000; round++) {
            const finished = !writing;
            const batch = await store.readAll({ after: checkpoint, limit: 7 });
            for (const event of batch) {
              if (event.streamId.startsWith(prefix)) seen.push(event);
              checkpoint = event.position;
            }
            if (batch.length === 0) {
              if (finished) return;
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        })();
        await Promise.all([writers, reader]);
        expect(written.size).toBe(8 * (9 * 1 + 8 * 2 + 8 * 3));
        const seenIds = new Set(ids(seen));
        const skipped = [...written].filter((eventId) => !seenIds.has(eventId));
        expect({ skipped: skipped.length, repeated: seen.length - seenIds.size }).toEqual({ skipped: 0, repeated: 0 });
        expect(seen.length).toBe(written.size);
        expectStrictlyIncreasing(seen.map((event) => event.position));
        const final = (await readAllFrom(store, before)).filter((event) => event.streamId.startsWith(prefix));
        expect(seen.map((event) => event.position)).toEqual(final.map((event) => event.position));
      }, 60_000);

      it('keeps the hash chain of every stream intact across appends, and the check catches a tampered event', async () => {
        await store.append(stream('c'), events(3), { expectedVersion: 'no-stream' });
        await store.append(stream('d'), events(2), { expectedVersion: 'no-stream' });
        await store.append(stream('c'), events(4), { expectedVersion: 2 });
        const chained = await store.readStream(stream('c'));
        expect(chained[0].prevHash).toBe('');
        for (let index = 1; index < chained.length; index++) expect(chained[index].prevHash).toBe(chained[index - 1].hash);
        expect(verifyStreamChain(chained)).toBeUndefined();
        expect(verifyStreamChain(await store.readStream(stream('d')))).toBeUndefined();

        const tampered = chained.map((event) => ({ ...event }));
        tampered[4] = { ...tampered[4], data: { index: 0, amount_fen: 1 } };
        expect(verifyStreamChain(tampered)).toMatchObject({ version: 4, problem: expect.stringMatching(/content/) });
      });

      it('an append of several events is atomic: when its last event fails (an id already used elsewhere) nothing of it is written', async () => {
        const taken = newEvent('TransferSent', { taken: true });
        await store.append(stream('other'), [taken], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        const batch = [...events(3), { ...newEvent('TransferSent', {}), eventId: taken.eventId }];
        await expect(store.append(stream('a'), batch, { expectedVersion: 'no-stream', idempotency: { key: `${prefix}-atomic`, requestHash: 'h', response: 1 } })).rejects.toThrow();
        expect(await store.readStream(stream('a'))).toEqual([]);
        expect(await store.headPosition()).toBe(head);
        expect(await store.findIdempotency(`${prefix}-atomic`)).toBeUndefined();
        const retried = await store.append(stream('a'), events(2), { expectedVersion: 'no-stream' });
        expect(retried.events.map((event) => event.version)).toEqual([0, 1]);
      });
    });

    describe('engine gone away and back', () => {
      const maybe = (name: string, test: () => Promise<void>, timeout?: number) =>
        it(name, async () => {
          if (!harness.breakEngine || !harness.restoreEngine) {
            console.info(`${adapterName}: the harness cannot break its engine; skipped: ${name}`);
            return;
          }
          await test();
        }, timeout);

      maybe('raises EventStoreUnavailableError with a clear message, appends nothing, and works again after restore', async () => {
        await store.append(stream('a'), events(2), { expectedVersion: 'no-stream' });
        await harness.breakEngine!();
        try {
          const error = await expectRejection(store.append(stream('a'), events(3), { expectedVersion: 1 }), EventStoreUnavailableError);
          expect(error.message).toMatch(/unavailable/);
          expect(error.message.length).toBeGreaterThan(30);
          await expectRejection(store.readAll({ limit: 1 }), EventStoreUnavailableError);
          await expectRejection(store.readStream(stream('a')), EventStoreUnavailableError);
        } finally {
          await harness.restoreEngine!();
        }
        expect(await store.readStream(stream('a'))).toHaveLength(2);
        const result = await store.append(stream('a'), events(1), { expectedVersion: 1 });
        expect(result.events[0].version).toBe(2);
        expect(verifyStreamChain(await store.readStream(stream('a')))).toBeUndefined();
      }, 30_000);

      maybe('a cut in the middle of a large append leaves all of it or none of it, and the retry with the same ids completes it once', async () => {
        await store.append(stream('a'), events(1), { expectedVersion: 'no-stream' });
        const batch = Array.from({ length: 200 }, (_, index) => newEvent('TransferSent', { index, padding: 'x'.repeat(2_000) }));
        const pending = store.append(stream('a'), batch, { expectedVersion: 0 }).then(
          () => 'appended',
          (error: Error) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
        await harness.breakEngine!();
        const outcome = await pending;
        await harness.restoreEngine!();
        const afterCut = await store.readStream(stream('a'));
        expect([1, 201]).toContain(afterCut.length);
        if (outcome !== 'appended') expect(outcome).toBeInstanceOf(EventStoreUnavailableError);
        const retry = await store.append(stream('a'), batch, { expectedVersion: 0 });
        expect(ids(retry.events)).toEqual(ids(batch));
        const all = await store.readStream(stream('a'));
        expect(all).toHaveLength(201);
        expect(verifyStreamChain(all)).toBeUndefined();
      }, 30_000);

      maybe('a subscription survives the outage and goes on delivering, without repeats', async () => {
        const before = await store.headPosition();
        const received: string[] = [];
        let caughtUp = false;
        const subscription = store.subscribe({
          after: before,
          onEvent: (event) => {
            if (event.streamId.startsWith(prefix)) received.push(event.eventId);
          },
          onCaughtUp: () => {
            caughtUp = true;
          },
          onError: () => undefined,
        });
        try {
          const first = events(2);
          await store.append(stream('a'), first, { expectedVersion: 'no-stream' });
          await eventually(() => received.length >= 2 && caughtUp, 5_000, 'first events');
          await harness.breakEngine!();
          await new Promise((resolve) => setTimeout(resolve, 300));
          await harness.restoreEngine!();
          const second = events(2);
          await store.append(stream('a'), second, { expectedVersion: 1 });
          await eventually(() => received.length >= 4, 10_000, 'events after the outage');
          expect(received).toEqual([...ids(first), ...ids(second)]);
        } finally {
          await subscription.close();
        }
      }, 30_000);
    });
  });
}

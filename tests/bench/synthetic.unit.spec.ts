/**
 * The synthetic history is valid and deterministic: every fund event is decided again by the real fund
 * decider from the command behind it (the decider must decide exactly the same event), applied with
 * `evolveFund` and checked with `assertConservation`; every holder is decided again by the registry.
 */
import { createHash } from 'node:crypto';
import {
  type FundState,
  type HolderRegistered,
  HOLDERS_STREAM,
  assertConservation,
  decideFund,
  decideRegisterHolder,
  evolveFund,
  evolveRegistry,
  fundIdOfStream,
  initialFundState,
  initialRegistryState,
} from '../../src/domain';
import { canonicalJson } from '../../src/event-store/hash-chain';
import { type SyntheticAppend, type SyntheticOptions, Prng, syntheticHistory } from '../../bench/synthetic';
import { commandAt } from '../../bench/command-of-event';

const SMALL: Partial<SyntheticOptions> = { seed: 42, events: 20_000, funds: 3, counties: 10, enterprises: 300, years: 2 };

function historyHash(options: Partial<SyntheticOptions>): { hash: string; events: number } {
  const hash = createHash('sha256');
  let events = 0;
  for (const append of syntheticHistory(options)) {
    hash.update(canonicalJson(append));
    events += append.events.length;
  }
  return { hash: hash.digest('hex'), events };
}

describe('synthetic history', () => {
  it('mulberry32 is deterministic and spreads', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const values = Array.from({ length: 1000 }, () => a.next());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((x, y) => x + y, 0) / 1000).toBeGreaterThan(0.45);
  });

  it('is decided again, event for event, by the real deciders, and conserves money after every append', () => {
    const registry = initialRegistryState();
    const funds = new Map<string, FundState>();
    const types = new Map<string, number>();
    const versions = new Map<string, number>();
    const lastOccurred = new Map<string, string>();
    let lastRecorded = '';
    let total = 0;
    let batches = 0;
    let appends = 0;
    const streamsSeen: string[] = [];

    for (const append of syntheticHistory(SMALL) as Generator<SyntheticAppend>) {
      appends++;
      expect(append.events.length).toBeGreaterThan(0);
      expect(append.expectedVersion).toBe(versions.get(append.streamId) ?? -1);
      versions.set(append.streamId, append.expectedVersion + append.events.length);
      if (streamsSeen[streamsSeen.length - 1] !== append.streamId) streamsSeen.push(append.streamId);
      for (const event of append.events) {
        total++;
        types.set(event.type, (types.get(event.type) ?? 0) + 1);
        const m = event.metadata;
        expect(m.actor.id && m.actor.role && m.correlationId && m.causationId).toBeTruthy();
        expect(m.schemaVersion).toBe(1);
        expect(m.recordedAt > lastRecorded).toBe(true);
        lastRecorded = m.recordedAt;
        expect(m.occurredAt >= (lastOccurred.get(append.streamId) ?? '')).toBe(true);
        lastOccurred.set(append.streamId, m.occurredAt);
        expect(m.recordedAt.slice(0, 10)).toBe(m.occurredAt);
      }

      if (append.streamId === HOLDERS_STREAM) {
        for (const event of append.events) {
          const data = event.data as HolderRegistered['data'];
          const decided = decideRegisterHolder({ kind: 'RegisterHolder', ...data }, registry);
          expect(decided.data).toEqual(data);
          evolveRegistry(registry, decided, registry.version + 1);
        }
        continue;
      }

      const fundId = fundIdOfStream(append.streamId)!;
      const state = funds.get(fundId) ?? initialFundState(fundId);
      funds.set(fundId, state);
      for (let index = 0; index < append.events.length; ) {
        const { command, count } = commandAt(append.events, index);
        if (command.kind === 'MakePayouts' && command.items.length > 1) batches++;
        const decided = decideFund(command, state, { holders: registry.holders });
        const recorded = append.events.slice(index, index + count);
        expect(decided.map((entry) => entry.event)).toEqual(recorded.map((event) => ({ type: event.type, data: event.data })));
        decided.forEach((entry, n) => {
          expect(entry.occurredAt).toBe(recorded[n].metadata.occurredAt);
          expect(entry.document).toBe(recorded[n].metadata.document);
          evolveFund(state, entry.event, recorded[n].eventId, entry.occurredAt, state.version + 1);
        });
        index += count;
      }
      assertConservation(state);
    }

    expect(total).toBeGreaterThanOrEqual(SMALL.events!);
    expect(total).toBeLessThan(SMALL.events! + 200);
    expect(funds.size).toBe(3);
    // several events per append, funds interleaved in the global log
    expect(total / appends).toBeGreaterThan(3);
    expect(streamsSeen.length).toBeGreaterThan(100);
    expect(batches).toBeGreaterThan(10);
    for (const type of [
      'HolderRegistered',
      'FundAppropriated',
      'AllocationIssued',
      'TransferSent',
      'TransferReceived',
      'ProjectRegistered',
      'PayoutMade',
      'FundsReturned',
      'EventReversed',
      'ProjectProgressReported',
    ]) {
      expect([type, types.get(type) ?? 0]).toEqual([type, expect.any(Number)]);
      expect(types.get(type) ?? 0).toBeGreaterThan(0);
    }
    // money in transit at the end (in-transit gaps), and projects paid within their approved amounts
    for (const state of funds.values()) {
      for (const project of state.projects.values()) expect(project.paidFen).toBeLessThanOrEqual(project.approvedFen);
    }
    const reversedTypes = new Set<string>();
    for (const state of funds.values()) for (const entry of state.events.values()) if (entry.type !== 'EventReversed' && entry.reversed) reversedTypes.add(entry.type);
    expect([...reversedTypes].sort()).toEqual(['PayoutMade', 'TransferSent']);
  });

  it('is the same history for the same seed and another for another seed', () => {
    const options = { ...SMALL, events: 5_000 };
    const first = historyHash(options);
    expect(historyHash(options)).toEqual(first);
    expect(historyHash({ ...options, seed: 43 }).hash).not.toBe(first.hash);
  });
});

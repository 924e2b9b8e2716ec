/**
 * Loads a synthetic history into any EventStore: one append per generated append (one fund's day, several
 * events), with the expected version the generator knows. With `concurrency` > 1 (PostgreSQL) several
 * streams are appended at once, each stream still in order; the global order then mixes as commits land.
 * With `coalesce` N, consecutive appends of a stream are merged until N events (a bulk import: fewer
 * commits, the same events in the same order per stream, a coarser interleaving of the global log).
 */
import type { EventStore } from '../src/event-store/event-store.port';
import type { SyntheticAppend } from './synthetic';

export interface LoadResult {
  events: number;
  appends: number;
  seconds: number;
}

export async function loadHistory(
  store: EventStore,
  appends: Iterable<SyntheticAppend>,
  options: { concurrency?: number; coalesce?: number; onProgress?: (events: number) => void } = {},
): Promise<LoadResult> {
  if (options.coalesce && options.coalesce > 1) appends = coalesced(appends, options.coalesce);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const started = process.hrtime.bigint();
  let events = 0;
  let count = 0;
  if (concurrency === 1) {
    for (const append of appends) {
      await store.append(append.streamId, append.events, { expectedVersion: append.expectedVersion });
      events += append.events.length;
      count++;
      options.onProgress?.(events);
    }
  } else {
    const tails = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (const append of appends) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) throw failure;
      const previous = tails.get(append.streamId) ?? Promise.resolve();
      const work: Promise<void> = previous
        .then(() => store.append(append.streamId, append.events, { expectedVersion: append.expectedVersion }))
        .then(
          () => {
            events += append.events.length;
            options.onProgress?.(events);
          },
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => inFlight.delete(work));
      tails.set(append.streamId, work);
      inFlight.add(work);
      count++;
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  }
  return { events, appends: count, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Merges each stream's appends until `size` events, then lets them go (the rest at the end). */
export function* coalesced(appends: Iterable<SyntheticAppend>, size: number): Generator<SyntheticAppend> {
  const open = new Map<string, SyntheticAppend>();
  for (const append of appends) {
    const current = open.get(append.streamId);
    if (!current) open.set(append.streamId, { ...append, events: [...append.events] });
    else current.events.push(...append.events);
    const merged = open.get(append.streamId)!;
    if (merged.events.length >= size) {
      open.delete(append.streamId);
      yield merged;
    }
  }
  yield* open.values();
}

/** Histories for the projection tests: the demo fund, and a small deterministic synthetic province (bench/synthetic.ts). */
import { syntheticHistory } from '../../bench/synthetic';
import type { EventStore } from '../../src/event-store/event-store.port';

export const SMALL_SYNTHETIC = { seed: 7, events: 12_000, funds: 4, counties: 8, countiesPerCity: 4, enterprises: 200, years: 2, maxAppend: 50 };

/** Appends a small synthetic history; `afterAppend` runs after each append (e.g. to let a live runner catch up). */
export async function appendSynthetic(store: EventStore, afterAppend?: (index: number) => Promise<void>, overrides = SMALL_SYNTHETIC): Promise<number> {
  let index = 0;
  for (const append of syntheticHistory(overrides)) {
    await store.append(append.streamId, append.events, { expectedVersion: append.expectedVersion });
    if (afterAppend) await afterAppend(index);
    index++;
  }
  return index;
}

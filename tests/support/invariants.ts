/**
 * The ledger's invariants, checked from the events alone: a fresh ledger over the same store rebuilds
 * every fund, and conservation and non-negative balances must hold (they are asserted while folding).
 */
import { assertConservation, fundIdOfStream } from '../../src/domain';
import type { EventStore } from '../../src/event-store/event-store.port';
import { Ledger } from '../../src/ledger/ledger';

export async function assertLedgerInvariants(store: EventStore): Promise<void> {
  const fresh = new Ledger(store);
  const fundIds = new Set<string>();
  let after = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: 1000 });
    for (const event of batch) {
      const fundId = fundIdOfStream(event.streamId);
      if (fundId) fundIds.add(fundId);
    }
    if (batch.length < 1000) break;
    after = batch[batch.length - 1].position;
  }
  for (const fundId of fundIds) {
    const state = await fresh.fund(fundId); // evolve throws if any balance would go below zero
    assertConservation(state);
    for (const [holderId, balance] of state.balances) {
      if (balance < 0) throw new Error(`negative balance at ${holderId} in ${fundId}`);
    }
  }
}

/**
 * The ledger's part of the store (fund streams and the holder registry). Other features write derived
 * streams in the background (alerts, evaluated as the log grows), so "a refused request changed nothing"
 * is asserted on what a request could have written.
 */
import type { EventStore } from '../../src/event-store/event-store.port';

export function isLedgerStream(streamId: string): boolean {
  return streamId === 'holders' || streamId.startsWith('fund-');
}

export async function ledgerSnapshot(store: EventStore): Promise<string> {
  const events: string[] = [];
  let after = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: 1000 });
    for (const event of batch) if (isLedgerStream(event.streamId)) events.push(`${event.position}:${event.streamId}:${event.version}:${event.hash}`);
    if (batch.length < 1000) break;
    after = batch[batch.length - 1].position;
  }
  return events.join('\n');
}

/**
 * Reading the history for the auditor's tools: the whole log in global order, one fund's stream, and the
 * holders as they are now. Every tool works from the events alone, so its answer is what the log says.
 */
import { type Holder, type HolderRegistered, HOLDERS_STREAM, fundStreamId } from '../domain';
import { type EventStore, type RecordedEvent, READ_BATCH_MAX } from '../event-store/event-store.port';

/** Reads the whole log in global order, in batches; `onBatch` sees progress (events read so far, head). */
export async function readWholeLog(store: EventStore, onBatch?: (read: number, head: number) => void): Promise<RecordedEvent[]> {
  const head = await store.headPosition();
  const events: RecordedEvent[] = [];
  let after = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: READ_BATCH_MAX });
    events.push(...batch);
    onBatch?.(events.length, head);
    if (batch.length < READ_BATCH_MAX) return events;
    after = batch[batch.length - 1].position;
  }
}

/** Visits the whole log in global order without holding it in memory (for verification of large stores). */
export async function forEachInLog(store: EventStore, visit: (event: RecordedEvent) => void, onBatch?: (read: number, head: number) => void): Promise<void> {
  const head = await store.headPosition();
  let after = 0;
  let read = 0;
  for (;;) {
    const batch = await store.readAll({ after, limit: READ_BATCH_MAX });
    for (const event of batch) visit(event);
    read += batch.length;
    onBatch?.(read, head);
    if (batch.length < READ_BATCH_MAX) return;
    after = batch[batch.length - 1].position;
  }
}

export async function readFundStream(store: EventStore, fundId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const batch = await store.readStream(fundStreamId(fundId), { fromVersion: events.length, limit: READ_BATCH_MAX });
    events.push(...batch);
    if (batch.length < READ_BATCH_MAX) return events;
  }
}

export async function readHolders(store: EventStore): Promise<Map<string, Holder>> {
  const holders = new Map<string, Holder>();
  let read = 0;
  for (;;) {
    const batch = await store.readStream(HOLDERS_STREAM, { fromVersion: read, limit: READ_BATCH_MAX });
    read += batch.length;
    for (const event of batch) {
      const data = (event as unknown as HolderRegistered).data;
      holders.set(data.holderId, { ...data });
    }
    if (batch.length < READ_BATCH_MAX) return holders;
  }
}

/** A holder's display name, or its id when unknown. */
export function holderName(holders: ReadonlyMap<string, Holder>, holderId: string): string {
  return holders.get(holderId)?.name ?? holderId;
}

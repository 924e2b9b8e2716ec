/** Reading the whole log in order, batch by batch, through the fastest path an adapter offers. */
import { type EventStore, type ProjectionEvent, type ReadAllForProjectionOptions, type RecordedEvent, READ_BATCH_MAX } from './event-store.port';

export interface ReadAllInBatchesOptions {
  /** Exclusive position to start after (default 0). */
  after?: number;
  /** Events per batch (default 1,000, at most READ_BATCH_MAX). */
  batchSize?: number;
}

/**
 * The store's `streamAll` when it has one (PostgreSQL cursor, SQLite iterator), otherwise `readAll` pages
 * (EventStoreDB). Either way: global order, each event once, positions strictly increasing (asserted).
 */
export async function* readAllInBatches(store: EventStore, options: ReadAllInBatchesOptions = {}): AsyncGenerator<RecordedEvent[]> {
  const batchSize = Math.min(Math.max(1, options.batchSize ?? 1_000), READ_BATCH_MAX);
  let previous = options.after ?? 0;
  const check = (batch: RecordedEvent[]) => {
    for (const event of batch) {
      if (event.position <= previous) throw new Error(`${store.name} event store: position ${event.position} read after ${previous}`);
      previous = event.position;
    }
  };
  if (store.streamAll) {
    for await (const batch of store.streamAll({ after: previous, batchSize })) {
      check(batch);
      yield batch;
    }
    return;
  }
  for (;;) {
    const batch = await store.readAll({ after: previous, limit: batchSize });
    if (batch.length === 0) return;
    check(batch);
    yield batch;
  }
}

/** A page of the log as projections read it: the store's lean read where it has one, otherwise its readAll page. */
export function readAllForProjection(store: EventStore, options: ReadAllForProjectionOptions): Promise<ProjectionEvent[]> {
  return store.readAllForProjection ? store.readAllForProjection(options) : store.readAll(options);
}

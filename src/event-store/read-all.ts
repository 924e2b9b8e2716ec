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

/**
 * A page of the log as projections read it: the store's lean read where it has one, otherwise its readAll pages
 * (EventStoreDB), with `types` applied here: readAll pages are read until `limit` events of those types are found or
 * the log ends, so that a short page means the same as from the lean read (nothing more of those types).
 */
export async function readAllForProjection(store: EventStore, options: ReadAllForProjectionOptions): Promise<ProjectionEvent[]> {
  if (store.readAllForProjection) return store.readAllForProjection(options);
  if (!options.types) return store.readAll(options);
  const types = new Set(options.types);
  const limit = Math.min(Math.max(0, options.limit ?? READ_BATCH_MAX), READ_BATCH_MAX);
  const found: ProjectionEvent[] = [];
  let after = options.after ?? 0;
  while (found.length < limit) {
    const page = await store.readAll({ after, limit: READ_BATCH_MAX });
    for (const event of page) {
      if (!types.has(event.type)) continue;
      found.push(event);
      if (found.length === limit) return found;
    }
    if (page.length < READ_BATCH_MAX) return found;
    after = page[page.length - 1].position;
  }
  return found;
}

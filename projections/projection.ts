/**
 * What a projection is: its tables, and a worker that folds events in memory and hands the changed rows
 * to the runner, which writes them with the checkpoint in one transaction.
 *
 * The runner knows nothing about any projection: adding one to `PROJECTIONS` (registry.ts) is all it
 * takes; on the next start the runner sees it has no checkpoint and catches it up from position 0.
 */
import type { ProjectionEvent } from '../src/event-store/event-store.port';
import type { ReadModel, TableSpec, WriteBatch } from './read-model';

export interface ProjectionWorker {
  /** Loads, before a batch is folded, whatever the fold of these events needs from the tables (may be async). */
  prepare(events: readonly ProjectionEvent[]): Promise<void>;
  /**
   * Folds one event in memory. Never touches the database. The event is the store's lean read: of the metadata
   * only `occurredAt` is there (a projection needing more must add it to `readAllForProjection` in the adapters).
   */
  apply(event: ProjectionEvent): void;
  /** Hands every row changed since the last flush to the batch (the runner adds the checkpoint and commits). */
  flush(batch: WriteBatch): void;
  /**
   * Called once the batch's rows are handed to the read model (its commit may still be under way while the runner
   * folds the next batch): the worker starts collecting anew and may drop what it no longer needs in memory, but
   * must not count on that batch being readable from the tables yet.
   */
  handedOver(): void;
}

export interface Projection {
  readonly name: string;
  readonly description: { zh: string; en: string };
  readonly tables: TableSpec[];
  /**
   * The event types its worker folds (it must ignore any other it is given). The runner asks the store for these
   * only, so a projection rebuilt alone does not parse the rest of the log. Absent: every type.
   */
  readonly handles?: readonly string[];
  /** `fresh`: the tables are empty and the checkpoint is 0 (a rebuild), so nothing has to be loaded back. */
  open(db: ReadModel, options: { fresh: boolean }): Promise<ProjectionWorker>;
}

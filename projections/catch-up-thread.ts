/**
 * The body of a catch-up worker thread (threads.ts): opens its own connections to the event store and the read
 * model, catches the named projections up to `until` with a ProjectionRunner of its own (batches and checkpoints
 * as on the main thread, fenced by the main thread's leases), tells the main thread each committed batch, and
 * closes. An error is told to the main thread, which stops the catch-up with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEventStore } from '../src/event-store/create-event-store';
import { LeaseGroup } from '../src/event-store/lease';
import { ReadModel, openReadModelDataSource } from './read-model';
import { projectionNamed } from './registry';
import { ProjectionRunner } from './runner';
import type { CatchUpThreadData, CatchUpThreadMessage } from './threads';

async function catchUpOnThisThread(data: CatchUpThreadData): Promise<void> {
  const post = (message: CatchUpThreadMessage) => parentPort!.postMessage(message);
  const store = await createEventStore(data.store);
  try {
    const dataSource = await openReadModelDataSource(data.readModel);
    try {
      const leases = data.leases ? LeaseGroup.borrowed(data.leases) : undefined;
      const runner = new ProjectionRunner(store, new ReadModel(dataSource), data.projections.map((name) => projectionNamed(name)), leases, { threads: { max: 0 } });
      try {
        const { events } = await runner.catchUp({
          until: data.until,
          ...(data.batchSize ? { batchSize: data.batchSize } : {}),
          ...(data.pageSize ? { pageSize: data.pageSize } : {}),
          onBatchCommitted: (position) => post({ committed: position }),
        });
        post({ done: events });
      } finally {
        await runner.close();
      }
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await store.close();
  }
}

// the error goes to the main thread as text: an error of a native module's class (SqliteError) loses its message
// when the thread's uncaught exception is cloned
catchUpOnThisThread(workerData as CatchUpThreadData).catch((error: unknown) => {
  const message: CatchUpThreadMessage = { failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  parentPort!.postMessage(message);
});

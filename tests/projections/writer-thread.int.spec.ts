/**
 * The writer thread of a long SQLite catch-up (ReadModel.startWriter), with its threshold lowered so that a small
 * history takes it: the rows are those of the in-thread writes, batch by batch (small batches, so that the money
 * fold reads places back while earlier batches are still being written), and a read right after sees every write.
 * Under ts-jest the thread runs the compiled dist/projections/read-model-writer.js (npm test compiles first).
 */
import { join } from 'node:path';
import { PROJECTION_ENTITIES, ProjectionRunner, ReadModel, openReadModelDataSource } from '../../projections';
import { PROJECTIONS } from '../../projections/registry';
import { rowsOf } from '../../projections/verify';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { tempDir } from './support';
import { appendSynthetic } from './support-history';

test('a catch-up written by the writer thread gives the rows of in-thread writes, and reads see them at once', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore({ filename: join(dir.path, 'events.db') });
  await appendSynthetic(store);
  const head = await store.headPosition();

  const threadedSource = await openReadModelDataSource({ kind: 'sqlite', filename: join(dir.path, 'threaded.db') }, PROJECTION_ENTITIES);
  const threaded = new ReadModel(threadedSource);
  const started = jest.spyOn(threaded, 'startWriter');
  const runner = new ProjectionRunner(store, threaded);
  const reported: number[] = [];
  // first a part of the history (a fresh fold), then the rest (a fold reloaded from the tables)
  await runner.rebuild(undefined, { until: Math.floor(head / 2), batchSize: 300, writerThreadFrom: 1, onBatchCommitted: (position) => reported.push(position) });
  expect(started).toHaveReturnedWith(true);
  const half = await threaded.all<{ position: number }>('SELECT position FROM {pj_checkpoint}');
  expect(half.map((row) => row.position)).toEqual(PROJECTIONS.map(() => Math.floor(head / 2)));
  expect(reported.length).toBeGreaterThan(5);
  expect(reported).toEqual([...reported].sort((a, b) => a - b));
  expect(reported[reported.length - 1]).toBe(Math.floor(head / 2));
  await runner.catchUp({ batchSize: 300, writerThreadFrom: 1 });
  expect(started).toHaveReturnedTimes(2);

  const plainSource = await openReadModelDataSource({ kind: 'sqlite', filename: join(dir.path, 'plain.db') }, PROJECTION_ENTITIES);
  const plain = new ReadModel(plainSource);
  const rebuilder = new ProjectionRunner(store, plain);
  await rebuilder.rebuild(undefined, { batchSize: 300, writerThreadFrom: Infinity });
  for (const table of PROJECTIONS.flatMap((projection) => projection.tables)) {
    expect({ table: table.name, rows: [...(await rowsOf(threaded, table)).values()] }).toEqual({ table: table.name, rows: [...(await rowsOf(plain, table)).values()] });
  }
  const checkpoints = await threaded.all<{ position: number }>('SELECT position FROM {pj_checkpoint}');
  expect(checkpoints.map((row) => row.position)).toEqual(PROJECTIONS.map(() => head));
  await runner.close();
  await rebuilder.close();
  await threadedSource.destroy();
  await plainSource.destroy();
  await store.close();
  dir.remove();
}, 120_000);

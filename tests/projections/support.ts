/** Shared set-up of the projection tests: stores with the demo fund, read models on SQLite or PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemo } from '../../src/app/demo-loader';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { PROJECTIONS, PROJECTION_ENTITIES, ReadModel, openReadModelDataSource } from '../../projections';
import { rowsOf } from '../../projections/verify';
import type { DataSource } from 'typeorm';

export const DEMO_FUND = 'hohhot-2022-industrial';
export const PG_URL = process.env.FUNDTRAIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The compiled catch-up thread (projections/threads.ts): tests run the TypeScript sources, a worker thread runs this (`npm test` builds dist/ first). */
export const CATCH_UP_THREAD_SCRIPT = join(__dirname, '../../dist/projections/catch-up-thread.js');

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'fundtrail-projections-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function demoStore(filename: string): Promise<SqliteEventStore> {
  const store = new SqliteEventStore({ filename, pollMs: 20 });
  const ledger = new Ledger(store, () => new Date('2023-05-17T00:00:00Z'));
  await loadDemo(ledger);
  return store;
}

/**
 * The demo store for the tests of one describe block, in a temporary directory: made before them, closed and the
 * directory removed after them. Read `store` and `dir` inside the tests.
 */
export function demoStoreOfSuite(): { readonly store: SqliteEventStore; readonly dir: string } {
  const dir = tempDir();
  let store: SqliteEventStore | undefined;
  beforeAll(async () => {
    store = await demoStore(join(dir.path, 'store.db'));
  });
  afterAll(async () => {
    await store?.close();
    dir.remove();
  });
  return {
    get store() {
      if (!store) throw new Error('demoStoreOfSuite: the store exists only inside the tests');
      return store;
    },
    dir: dir.path,
  };
}

export type ReadModelKind = 'sqlite' | 'postgres';

/** A fresh, empty read model: a new SQLite file, or a new PostgreSQL schema (dropped by `drop`). */
export async function freshReadModel(kind: ReadModelKind, directory: string, name: string): Promise<{ db: ReadModel; dataSource: DataSource; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dataSource = await openReadModelDataSource({ kind: 'sqlite', filename: join(directory, `${name}.db`) }, PROJECTION_ENTITIES);
    return { db: new ReadModel(dataSource), dataSource, drop: () => dataSource.destroy() };
  }
  const schema = `pj_test_${process.pid}_${Date.now().toString(36)}_${name.replace(/\W/g, '_')}`;
  const dataSource = await openReadModelDataSource({ kind: 'postgres', url: PG_URL, schema }, PROJECTION_ENTITIES);
  return {
    db: new ReadModel(dataSource),
    dataSource,
    drop: async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}

/** Every projection table's rows (canonical JSON, in key order), by table: two read models with equal rows compare equal. */
export async function tablesOf(db: ReadModel): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of PROJECTIONS.flatMap((projection) => projection.tables)) result[table.name] = [...(await rowsOf(db, table)).values()];
  return result;
}

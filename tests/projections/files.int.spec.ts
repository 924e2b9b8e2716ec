/**
 * Proves: a SQLite read model is a file per projection (ReadModel.part), and nothing about the answers changes.
 * - Each projection's tables, checkpoint and shape are in its own file beside the base file; the base holds none.
 * - The queries, on the base connection, give the same answers as a read model in one (in-memory) database.
 * - A base file from before (every table in it) is cleaned of the projections' tables and they are caught up into
 *   their own files: its stale rows are never read.
 * - Each file commits on its own: when one projection's batch fails, the other's stands, and a retry folds each from
 *   its own checkpoint to the rows of one rebuild.
 * - A batch lands only on the checkpoint it was folded from: a second writer that folded from an old checkpoint is
 *   rolled back with a clear error, and the rows stay those of one rebuild (both engines; on SQLite the leases are in
 *   another file than the batch, so this guard is what keeps two writers apart).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECTIONS, PROJECTION_ENTITIES, ProjectionRunner, QUERIES, ReadModel, openReadModelDataSource, readModelFiles } from '../../projections';
import type { Projection } from '../../projections/projection';
import { CHECKPOINT_TABLE, SCHEMA_TABLE } from '../../projections/tables';
import { DEMO_FUND, demoStoreOfSuite, freshReadModel, tablesOf } from './support';

const store = demoStoreOfSuite();

/** The four answers for the demo fund, now and as of a date. */
async function answers(db: ReadModel): Promise<unknown[]> {
  const result: unknown[] = [];
  for (const name of Object.keys(QUERIES) as Array<keyof typeof QUERIES>) {
    for (const cut of [{ today: '2023-05-17' }, { asOf: '2022-12-31', today: '2023-05-17' }]) result.push(await QUERIES[name](db, DEMO_FUND, cut));
  }
  return result;
}

/** The answers of a read model in one database (in memory: no files of its own); made once for the suite. */
let oneDatabase: Promise<unknown[]> | undefined;
function answersInOneDatabase(): Promise<unknown[]> {
  oneDatabase ??= (async () => {
    const dataSource = await openReadModelDataSource({ kind: 'sqlite', filename: ':memory:' }, PROJECTION_ENTITIES);
    const runner = new ProjectionRunner(store.store, new ReadModel(dataSource));
    try {
      await runner.catchUp();
      return await answers(runner.db);
    } finally {
      await runner.close();
      await dataSource.destroy();
    }
  })();
  return oneDatabase;
}

/** The names of every projection's tables (none of them may be in the base file). */
const PROJECTION_TABLES = new Set(PROJECTIONS.flatMap((projection) => projection.tables.map((table) => table.name)));

const tablesIn = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name").all().map((row) => row.name);
  } finally {
    db.close();
  }
};

describe('a SQLite read model: a file per projection', () => {
  it('keeps each projection in its own file, with its checkpoint, and answers as one database does', async () => {
    // given the demo fund's events and an empty SQLite read model
    const base = join(store.dir, 'split.db');
    const dataSource = await openReadModelDataSource({ kind: 'sqlite', filename: base }, PROJECTION_ENTITIES);
    const runner = new ProjectionRunner(store.store, new ReadModel(dataSource));
    // when it catches up
    await runner.catchUp();
    const head = await store.store.headPosition();
    // then the files are the base and one per projection, named after it
    expect(readModelFiles(base)).toEqual([base, ...PROJECTIONS.map((projection) => join(store.dir, `split.${projection.name}.db`))]);
    for (const file of readModelFiles(base)) expect(existsSync(file)).toBe(true);
    // and the answers are those of one database, read through the attached files with the connection's page cache
    expect(await answers(runner.db)).toEqual(await answersInOneDatabase());
    for (const projection of PROJECTIONS) expect(runner.db.sqlite.pragma(`"${projection.name}".cache_size`, { simple: true })).toBe(runner.db.sqlite.pragma('cache_size', { simple: true }));
    await runner.close();
    await dataSource.destroy();
    // and the base holds no projection's table; each file holds its projection's tables and only its checkpoint
    expect(tablesIn(base).filter((table) => PROJECTION_TABLES.has(table))).toEqual([]);
    for (const projection of PROJECTIONS) {
      const file = join(store.dir, `split.${projection.name}.db`);
      expect(tablesIn(file)).toEqual([CHECKPOINT_TABLE.name, SCHEMA_TABLE.name, ...projection.tables.map((table) => table.name)].sort());
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT name, position FROM pj_checkpoint').all()).toEqual([{ name: projection.name, position: head }]);
      db.close();
    }
  });

  it('cleans a base file from before of the projections’ tables and catches them up into their own files', async () => {
    // given a base file laid out as before: every projection's tables in it, empty, with checkpoints at the head
    const base = join(store.dir, 'before.db');
    const head = await store.store.headPosition();
    const old = new ReadModel(await openReadModelDataSource({ kind: 'sqlite', filename: base }));
    await old.createTables([CHECKPOINT_TABLE, SCHEMA_TABLE, ...PROJECTIONS.flatMap((projection) => projection.tables)], true);
    for (const projection of PROJECTIONS) old.sqlite.prepare('INSERT INTO pj_checkpoint (name, position, updated_at) VALUES (?, ?, ?)').run(projection.name, head, 'before');
    await old.dataSource.destroy();
    // when this version catches up on it
    const dataSource = await openReadModelDataSource({ kind: 'sqlite', filename: base }, PROJECTION_ENTITIES);
    const runner = new ProjectionRunner(store.store, new ReadModel(dataSource));
    const { events } = await runner.catchUp();
    // then every event was folded again (into the projections' own files), and the answers are the full ones
    expect(events).toBe(head);
    expect(await answers(runner.db)).toEqual(await answersInOneDatabase());
    await runner.close();
    await dataSource.destroy();
    // and the base keeps none of the old tables, nor the old checkpoints
    expect(tablesIn(base).filter((table) => PROJECTION_TABLES.has(table))).toEqual([]);
    const cleaned = new Database(base, { readonly: true });
    expect(cleaned.prepare('SELECT count(*) AS n FROM pj_checkpoint').get()).toEqual({ n: 0 });
    cleaned.close();
  });

  it('when one projection’s file fails to commit a batch, the other’s stands; a retry gives the rows of one rebuild', async () => {
    // given a SQLite read model whose projects file fails its second batch (batches of 50 events, one thread)
    const base = join(store.dir, 'one-fails.db');
    const dataSource = await openReadModelDataSource({ kind: 'sqlite', filename: base }, PROJECTION_ENTITIES);
    const db = new ReadModel(dataSource);
    const runner = new ProjectionRunner(store.store, db, PROJECTIONS, undefined, { threads: { max: 0 } });
    await runner.positions();
    const projectsFile = await db.part('projects', PROJECTIONS.find((projection) => projection.name === 'projects')!.tables);
    const commit = projectsFile.commit.bind(projectsFile);
    let calls = 0;
    projectsFile.commit = (work, checks) => (++calls === 2 ? Promise.reject(new Error('disk full (test)')) : commit(work, checks));
    // when a catch-up runs into it
    await expect(runner.catchUp({ batchSize: 50 })).rejects.toThrow('disk full (test)');
    // then money kept the batch it committed, and projects stayed a batch behind it, each at its own checkpoint
    const stopped = await runner.positions();
    expect(stopped.get('projects')).toBeGreaterThan(0);
    expect(stopped.get('money')).toBeGreaterThan(stopped.get('projects')!);
    // and when the file works again, a retry folds each projection from its own checkpoint to the rows of one rebuild
    projectsFile.commit = commit;
    await runner.catchUp({ batchSize: 50 });
    const clean = await freshReadModel('sqlite', store.dir, 'one-fails-clean');
    const rebuilder = new ProjectionRunner(store.store, clean.db);
    await rebuilder.rebuild();
    expect(await tablesOf(db)).toEqual(await tablesOf(clean.db));
    await Promise.all([runner.close(), rebuilder.close()]);
    await dataSource.destroy();
    await clean.drop();
  });

  it.each(['sqlite', 'postgres'] as const)('lands a batch only on the checkpoint it was folded from (%s)', async (kind) => {
    // given a projection that adds to counters (folding an event twice counts it twice), and two runners of it on one
    // read model, without leases, both having read the checkpoints (none yet)
    const made = await freshReadModel(kind, store.dir, `two-writers-${kind}`);
    const other = kind === 'sqlite' ? await openReadModelDataSource({ kind: 'sqlite', filename: join(store.dir, `two-writers-${kind}.db`) }, PROJECTION_ENTITIES) : made.dataSource;
    const first = new ProjectionRunner(store.store, made.db, [EVENT_COUNTS]);
    const second = new ProjectionRunner(store.store, new ReadModel(other), [EVENT_COUNTS]);
    await first.positions();
    await second.positions();
    const head = await store.store.headPosition();
    // when the first catches up, then the second folds the same events from position 0 and commits
    await first.catchUp();
    // then the second's batch is rolled back, saying whose checkpoint moved and where to
    await expect(second.catchUp()).rejects.toThrow(`checkpoint moved (counts 0 → ${head})`);
    // and every event is counted once
    expect(await made.db.all('SELECT sum(n) AS n FROM {pj_event_count}')).toEqual([{ n: head }]);
    // and the second, having reloaded the checkpoint, finds nothing left to do
    expect((await second.catchUp()).events).toBe(0);
    await Promise.all([first.close(), second.close()]);
    if (other !== made.dataSource) await other.destroy();
    await made.drop();
  });
});

/** Events per type, added to the stored counts at each batch: not idempotent, so a batch applied twice shows. */
const EVENT_COUNTS: Projection = {
  name: 'counts',
  description: { zh: '各类事件计数', en: 'events per type' },
  tables: [{ name: 'pj_event_count', columns: [{ name: 'type', type: 'text' }, { name: 'n', type: 'bigint' }], primary: ['type'], indexes: [] }],
  async open() {
    let counts = new Map<string, number>();
    return {
      prepare: async () => undefined,
      apply: (event) => counts.set(event.type, (counts.get(event.type) ?? 0) + 1),
      flush: (batch) => {
        for (const [type, n] of counts) batch.run('INSERT INTO {pj_event_count} AS c (type, n) VALUES (?, ?) ON CONFLICT (type) DO UPDATE SET n = c.n + excluded.n', [type, n]);
      },
      handedOver: () => {
        counts = new Map();
      },
    };
  },
};

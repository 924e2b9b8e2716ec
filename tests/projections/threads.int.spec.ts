/**
 * Proves: a long catch-up fed by two threads (money on the runner's thread, projects on a worker thread with its own
 * connections: projections/threads.ts), or with every projection on a worker thread of its own, writes exactly the
 * rows of a catch-up on one thread, on SQLite and on PostgreSQL; the runner's own store is asked only for the types of the projection it keeps; progress is reported
 * only for positions every thread has committed; a failure on either side stops the whole catch-up, and a new
 * runner resumes from the checkpoints to the same rows; and the thread's writes are fenced by the runner's leases.
 *
 * The worker thread runs the compiled code (dist/projections/catch-up-thread.js), which `npm test` builds first.
 */
import { join } from 'node:path';
import { ProjectionRunner } from '../../projections';
import { PROJECTIONS } from '../../projections/registry';
import { rowsOf } from '../../projections/verify';
import type { ReadAllForProjectionOptions } from '../../src/event-store/event-store.port';
import { LeaseGroup, PostgresLease, SqliteLease } from '../../src/event-store/lease';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { CATCH_UP_THREAD_SCRIPT, PG_URL, type ReadModelKind, freshReadModel, tempDir } from './support';
import { appendSynthetic } from './support-history';

/** Threads for any catch-up of this small history (the default is 100,000 events behind). */
const THREADS = { threads: { max: 1, minEvents: 1, script: CATCH_UP_THREAD_SCRIPT } };
const SMALL_BATCHES = { batchSize: 300, pageSize: 100 };
const KINDS: ReadModelKind[] = process.env.FUNDTRAIL_SKIP_PG === 'true' ? ['sqlite'] : ['sqlite', 'postgres'];

describe('a catch-up fed by two threads', () => {
  const dir = tempDir();
  let store: SqliteEventStore;
  let head: number;
  const drops: Array<() => Promise<void>> = [];
  /** The rows of every table after a rebuild on one thread (the reference), per read-model kind. */
  const reference = new Map<ReadModelKind, Map<string, Map<string, string>>>();

  beforeAll(async () => {
    store = new SqliteEventStore({ filename: join(dir.path, 'events.db') });
    await appendSynthetic(store);
    head = await store.headPosition();
    for (const kind of KINDS) {
      const made = await freshReadModel(kind, dir.path, `reference-${kind}`);
      drops.push(made.drop);
      const runner = new ProjectionRunner(store, made.db, PROJECTIONS, undefined, { threads: { max: 0 } });
      await runner.rebuild(undefined, SMALL_BATCHES);
      await runner.close();
      reference.set(kind, await tablesOf(made.db));
    }
  }, 120_000);
  afterAll(async () => {
    for (const drop of drops) await drop();
    await store.close();
    dir.remove();
  });

  async function tablesOf(db: Parameters<typeof rowsOf>[0]): Promise<Map<string, Map<string, string>>> {
    const tables = new Map<string, Map<string, string>>();
    for (const table of PROJECTIONS.flatMap((projection) => projection.tables)) tables.set(table.name, await rowsOf(db, table));
    return tables;
  }

  /** The store as the runner's thread sees it, recording the types it is asked for; `failAt`: the page that fails. */
  function recording(failAt?: number): { store: SqliteEventStore; asked: Array<readonly string[] | undefined> } {
    const asked: Array<readonly string[] | undefined> = [];
    const wrapped = Object.create(store, {
      readAllForProjection: {
        value: async (options: ReadAllForProjectionOptions) => {
          asked.push(options.types);
          if (asked.length === failAt) throw new Error('the store went away (test)');
          return store.readAllForProjection(options);
        },
      },
    }) as SqliteEventStore;
    return { store: wrapped, asked };
  }

  it.each(KINDS)('writes the rows of a one-thread rebuild, reports only what both threads committed (%s read model)', async (kind) => {
    // given a read model with leases, as the server has it
    const made = await freshReadModel(kind, dir.path, `threads-${kind}`);
    drops.push(made.drop);
    const leases = kind === 'sqlite' ? new LeaseGroup(new SqliteLease(made.db.sqlite), 'projection:') : new LeaseGroup(new PostgresLease({ connectionString: PG_URL }), `projection:${made.db.schema}:`);
    const { store: seen, asked } = recording();
    const runner = new ProjectionRunner(seen, made.db, PROJECTIONS, leases, THREADS);
    const committed: number[] = [];
    const checkpointsAtReport: Array<Promise<number[]>> = [];
    try {
      // when every projection is rebuilt
      await runner.rebuild(undefined, {
        ...SMALL_BATCHES,
        onBatchCommitted: (position) => {
          committed.push(position);
          checkpointsAtReport.push(made.db.all<{ position: number }>('SELECT position FROM {pj_checkpoint}').then((rows) => rows.map((row) => Number(row.position))));
        },
      });
      // then this thread's store was asked only for money's types: projects was fed elsewhere
      const money = PROJECTIONS.find((projection) => projection.name === 'money')!;
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((types) => [...(types ?? [])].sort().join() === [...money.handles!].sort().join())).toBe(true);
      // and every table holds the rows of the one-thread rebuild, every checkpoint at the head
      expect(await tablesOf(made.db)).toEqual(reference.get(kind));
      expect((await runner.lag()).map((lag) => [lag.name, lag.position])).toEqual([
        ['money', head],
        ['projects', head],
      ]);
      // and positions were reported in order, each once both projections' checkpoints had reached it, the last the head
      expect(committed.length).toBeGreaterThan(1);
      expect(committed).toEqual([...committed].sort((a, b) => a - b));
      expect(new Set(committed).size).toBe(committed.length);
      expect(committed[committed.length - 1]).toBe(head);
      const checkpoints = await Promise.all(checkpointsAtReport);
      committed.forEach((position, index) => expect(Math.min(...checkpoints[index])).toBeGreaterThanOrEqual(position));
    } finally {
      await runner.close();
      await leases.lease.close();
    }
  });

  it.each(KINDS)('with a thread for every projection, writes the rows of a one-thread rebuild while this thread only coordinates (%s read model)', async (kind) => {
    // given a read model with leases, and as many threads as projections
    const made = await freshReadModel(kind, dir.path, `all-threads-${kind}`);
    drops.push(made.drop);
    const leases = kind === 'sqlite' ? new LeaseGroup(new SqliteLease(made.db.sqlite), 'projection:') : new LeaseGroup(new PostgresLease({ connectionString: PG_URL }), `projection:${made.db.schema}:`);
    const { store: seen, asked } = recording();
    const runner = new ProjectionRunner(seen, made.db, PROJECTIONS, leases, { threads: { ...THREADS.threads, max: PROJECTIONS.length, heapMb: 256 } });
    const committed: number[] = [];
    try {
      // when every projection is rebuilt
      await runner.rebuild(undefined, { ...SMALL_BATCHES, onBatchCommitted: (position) => committed.push(position) });
      // then this thread read no event: every projection was fed on a thread of its own
      expect(asked).toEqual([]);
      // and every table holds the rows of the one-thread rebuild, every checkpoint at the head, reported in order
      expect(await tablesOf(made.db)).toEqual(reference.get(kind));
      expect((await runner.lag()).map((lag) => lag.position)).toEqual(PROJECTIONS.map(() => head));
      expect(committed.length).toBeGreaterThan(1);
      expect(committed).toEqual([...new Set(committed)].sort((a, b) => a - b));
      expect(committed[committed.length - 1]).toBe(head);
    } finally {
      await runner.close();
      await leases.lease.close();
    }
  });

  it('reports nothing before this thread has committed, when the projection on the thread starts ahead', async () => {
    // given projects caught up to half the log, money not at all
    const made = await freshReadModel('sqlite', dir.path, 'ahead');
    drops.push(made.drop);
    const projectsOnly = new ProjectionRunner(store, made.db, PROJECTIONS.filter((projection) => projection.name === 'projects'), undefined, { threads: { max: 0 } });
    await projectsOnly.catchUp({ ...SMALL_BATCHES, until: Math.floor(head / 2) });
    await projectsOnly.close();
    // when both catch up, projects on a thread
    const runner = new ProjectionRunner(store, made.db, PROJECTIONS, undefined, THREADS);
    const reports: Array<{ position: number; checkpoints: Promise<number[]> }> = [];
    await runner.catchUp({
      ...SMALL_BATCHES,
      onBatchCommitted: (position) => reports.push({ position, checkpoints: made.db.all<{ position: number }>('SELECT position FROM {pj_checkpoint}').then((rows) => rows.map((row) => Number(row.position))) }),
    });
    await runner.close();
    // then every position reported had been reached by both projections (money's first batch included)
    expect(reports.length).toBeGreaterThan(1);
    for (const report of reports) {
      const checkpoints = await report.checkpoints;
      expect(checkpoints).toHaveLength(2);
      expect(Math.min(...checkpoints)).toBeGreaterThanOrEqual(report.position);
    }
    expect(await tablesOf(made.db)).toEqual(reference.get('sqlite'));
  });

  it('stops the thread when this thread fails, and a new runner resumes to the same rows', async () => {
    // given a store that fails on this thread's sixth page
    const made = await freshReadModel('sqlite', dir.path, 'failing-here');
    drops.push(made.drop);
    const failing = new ProjectionRunner(recording(6).store, made.db, PROJECTIONS, undefined, THREADS);
    // when a rebuild runs, then it fails with the store's error
    await expect(failing.rebuild(undefined, SMALL_BATCHES)).rejects.toThrow('the store went away (test)');
    await failing.close();
    // and money stopped part-way (its checkpoint is a batch boundary before the head)
    const stopped = new Map((await made.db.all<{ name: string; position: number }>('SELECT name, position FROM {pj_checkpoint}')).map((row) => [row.name, Number(row.position)]));
    expect(stopped.get('money') ?? 0).toBeLessThan(head);
    // when a new runner catches up, then the rows are those of a one-thread rebuild
    const resumed = new ProjectionRunner(store, made.db, PROJECTIONS, undefined, THREADS);
    await resumed.catchUp(SMALL_BATCHES);
    await resumed.close();
    expect(await tablesOf(made.db)).toEqual(reference.get('sqlite'));
  });

  it('keeps the leases of the projection on the thread: a two-thread rebuild many times longer than a lease reaches the head', async () => {
    // given leases that last 250 ms (renewed every 83), and batches of 1 event: the two threads commit for several times that
    const made = await freshReadModel('sqlite', dir.path, 'renewed');
    drops.push(made.drop);
    const runner = new ProjectionRunner(store, made.db, PROJECTIONS, new LeaseGroup(new SqliteLease(made.db.sqlite, { ttlMs: 250 }), 'projection:'), THREADS);
    try {
      const started = Date.now();
      // when every projection is rebuilt, projects on a thread whose commits are fenced by these leases
      await runner.rebuild(undefined, { batchSize: 1, pageSize: 1 });
      // then it outlasted the lease three times over at least, and both projections reached the head with a one-thread rebuild's rows
      expect(Date.now() - started).toBeGreaterThan(750);
      expect((await runner.lag()).map((lag) => [lag.name, lag.position])).toEqual([
        ['money', head],
        ['projects', head],
      ]);
      expect(await tablesOf(made.db)).toEqual(reference.get('sqlite'));
    } finally {
      await runner.close();
    }
  });

  it('fences the thread with the leases: a lease the thread finds expired stops the catch-up and writes nothing of it', async () => {
    // given leases whose holder's clock runs a minute behind: by the real clock, which the thread's fence reads, they
    // expired before they were taken; the holder itself (its fences on its own clock) still holds them
    const made = await freshReadModel('sqlite', dir.path, 'fenced');
    drops.push(made.drop);
    const leases = new LeaseGroup(new SqliteLease(made.db.sqlite, { now: () => Date.now() - 60_000 }), 'projection:');
    const runner = new ProjectionRunner(store, made.db, PROJECTIONS, leases, THREADS);
    try {
      // when a rebuild runs, then it fails with the thread's fence, naming the projection
      await expect(runner.rebuild(undefined, SMALL_BATCHES)).rejects.toMatchObject({ message: expect.stringMatching(/catch-up thread of projects failed: .*malformed JSON/) });
      // and the thread wrote nothing: no checkpoint and no row of projects
      const checkpoints = await made.db.all<{ name: string }>('SELECT name FROM {pj_checkpoint}');
      expect(checkpoints.map((row) => row.name)).not.toContain('projects');
      for (const table of PROJECTIONS.find((projection) => projection.name === 'projects')!.tables) expect((await rowsOf(made.db, table)).size).toBe(0);
    } finally {
      await runner.close().catch(() => undefined);
    }
  });
});

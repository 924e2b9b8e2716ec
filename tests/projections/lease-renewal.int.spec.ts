/**
 * Proves: a catch-up that lasts longer than a SQLite lease's lifetime (a rebuild of a big history: leases last 15 s)
 * keeps its leases by renewing them as it goes, instead of failing at the first batch after they expired; and that a
 * lease lost during a catch-up stops it with a reason, not with the fence's bare SQLite error.
 */
import { ProjectionRunner } from '../../projections';
import { LeaseGroup, SqliteLease } from '../../src/event-store/lease';
import type { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { demoStoreOfSuite, freshReadModel } from './support';

/** The store, each page read 25 ms late: the catch-up takes well over a second. */
function slow(store: SqliteEventStore): SqliteEventStore {
  return Object.create(store, {
    readAllForProjection: {
      value: async (options: Parameters<NonNullable<SqliteEventStore['readAllForProjection']>>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 25));
        return store.readAllForProjection(options);
      },
    },
  }) as SqliteEventStore;
}

describe('projection leases during a long catch-up', () => {
  const demo = demoStoreOfSuite();

  it('renews them: a rebuild three times longer than the lease lifetime reaches the head', async () => {
    // given leases that last 400 ms, and a rebuild of ~50 pages of 25 ms each
    const made = await freshReadModel('sqlite', demo.dir, 'renewed');
    const runner = new ProjectionRunner(slow(demo.store), made.db, undefined, new LeaseGroup(new SqliteLease(made.db.sqlite, { ttlMs: 400 }), 'projection:'));
    try {
      const started = Date.now();
      // when it runs
      await runner.rebuild(undefined, { batchSize: 10, pageSize: 5 });
      // then it took longer than the lease lasts, and every projection reached the head
      expect(Date.now() - started).toBeGreaterThan(1_200);
      const head = await demo.store.headPosition();
      expect((await runner.lag()).map((lag) => [lag.name, lag.position])).toEqual([
        ['money', head],
        ['projects', head],
      ]);
    } finally {
      await runner.close();
      await made.drop();
    }
  });

  it('stops with a reason when a lease expires before it could be renewed', async () => {
    // given leases that expire within one batch
    const made = await freshReadModel('sqlite', demo.dir, 'expired');
    const runner = new ProjectionRunner(slow(demo.store), made.db, undefined, new LeaseGroup(new SqliteLease(made.db.sqlite, { ttlMs: 30 }), 'projection:'));
    try {
      // when a catch-up runs, then it stops, saying which leases it lost
      await expect(runner.rebuild(undefined, { batchSize: 10, pageSize: 5 })).rejects.toMatchObject({ message: expect.stringMatching(/lease of projection money, projects expired/) });
    } finally {
      await runner.close().catch(() => undefined);
      await made.drop();
    }
  });
});

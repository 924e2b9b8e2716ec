/**
 * Proves the leases of src/event-store/lease.ts: of two holders only one gets a name; the other gets it when the
 * first releases, stops (PostgreSQL: its session ends) or lets it expire (SQLite); and a fence statement fails a
 * write transaction of a holder that lost its lease.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type Lease, PostgresLease, SqliteLease } from '../../src/event-store/lease';
import { TEST_POSTGRES_URL } from '../support/test-app';

const directory = mkdtempSync(join(tmpdir(), 'fundtrail-lease-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const unique = () => `projection-${process.pid}-${Math.random().toString(36).slice(2)}`;

describe('PostgreSQL lease (advisory lock on a dedicated session)', () => {
  const leases: Lease[] = [];
  const lease = () => {
    const made = new PostgresLease({ connectionString: TEST_POSTGRES_URL });
    leases.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of leases.splice(0)) await made.close();
  });

  it('one holder at a time; the other takes over on release and when the holder’s session ends', async () => {
    const name = unique();
    const [a, b] = [lease(), lease()];
    expect(await a.acquire(name)).toBe(true);
    expect(await a.acquire(name)).toBe(true); // already held: still true
    expect(await b.acquire(name)).toBe(false);
    expect(await a.renew(name)).toBe(true);
    expect(await b.renew(name)).toBe(false);
    await a.release(name);
    expect(await b.acquire(name)).toBe(true);
    expect(await a.acquire(name)).toBe(false);
    await b.close(); // an instance that stops
    expect(await a.acquire(name)).toBe(true);
    // different names do not interfere
    expect(await b.acquire(unique())).toBe(true);
  });

  it('a holder whose session is killed loses the lease; its fence fails the write; the other takes over', async () => {
    const name = unique();
    const [a, b] = [lease(), lease()];
    expect(await a.acquire(name)).toBe(true);
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query('CREATE TEMP TABLE fenced (n int)');
      const fence = a.fence(name);
      const sql = (text: string) => text.replace(/\?/g, (() => { let index = 0; return () => `$${++index}`; })());
      await admin.query(sql(fence.sql), fence.params); // held: the fence passes
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fundtrail-lease' AND pid = ANY($1::int[])", [
        [(a as unknown as { backendPid: number }).backendPid],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await admin.query('BEGIN');
      await admin.query('INSERT INTO fenced VALUES (1)');
      await expect(admin.query(sql(fence.sql), fence.params)).rejects.toThrow(/division by zero/);
      await admin.query('ROLLBACK');
      expect((await admin.query('SELECT count(*)::int AS n FROM fenced')).rows[0].n).toBe(0);
      expect(await a.renew(name)).toBe(false);
      expect(await b.acquire(name)).toBe(true);
    } finally {
      await admin.end();
    }
  });
});

describe('SQLite lease (a row with owner and expiry in the read-model file)', () => {
  it('one holder at a time across two connections (two processes); release, expiry and renewal', async () => {
    const file = join(directory, 'read-models.db');
    let now = 1_000_000;
    const clock = () => now;
    const dbA = new Database(file);
    const dbB = new Database(file);
    dbA.pragma('journal_mode = WAL');
    const a = new SqliteLease(dbA, { ttlMs: 10_000, now: clock });
    const b = new SqliteLease(dbB, { ttlMs: 10_000, now: clock });
    try {
      const name = unique();
      expect(await a.acquire(name)).toBe(true);
      expect(await b.acquire(name)).toBe(false);
      now += 9_000;
      expect(await a.renew(name)).toBe(true); // pushed to now + 10 s
      now += 9_000;
      expect(await b.acquire(name)).toBe(false); // still within the renewed lease
      now += 2_000; // a stopped without releasing: the lease expires
      expect(await a.renew(name)).toBe(false);
      expect(await b.acquire(name)).toBe(true);
      expect(await a.acquire(name)).toBe(false);
      // a's fence now fails its write; b's passes
      dbA.exec('CREATE TABLE IF NOT EXISTS fenced (n INTEGER)');
      const write = (db: Database.Database, lease: SqliteLease) =>
        db.transaction(() => {
          db.prepare('INSERT INTO fenced VALUES (1)').run();
          const fence = lease.fence(name);
          db.prepare(fence.sql).run(...fence.params);
        })();
      expect(() => write(dbA, a)).toThrow(/malformed JSON/);
      write(dbB, b);
      expect(dbA.prepare('SELECT count(*) AS n FROM fenced').get()).toEqual({ n: 1 });
      await b.release(name);
      expect(await a.acquire(name)).toBe(true);
    } finally {
      await a.close();
      await b.close();
      dbA.close();
      dbB.close();
    }
  });
});

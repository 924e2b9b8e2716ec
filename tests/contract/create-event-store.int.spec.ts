import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '../../src/event-store/create-event-store';
import { EventStoreUnavailableError } from '../../src/event-store/event-store.port';
import { Pool } from 'pg';
import { PostgresEventStore } from '../../src/event-store/postgres.event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';

const SERVER_URL = process.env.FUNDTRAIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('createEventStore', () => {
  it('opens a SQLite file store', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fundtrail-factory-'));
    try {
      const store = await createEventStore({ kind: 'sqlite', filename: join(directory, 'events.db') });
      expect(store).toBeInstanceOf(SqliteEventStore);
      expect(await store.headPosition()).toBe(0);
      await store.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('opens a PostgreSQL store and creates its schema', async () => {
    const schema = `ft_test_factory_${process.pid}_${Date.now()}`;
    const store = await createEventStore({ kind: 'postgres', connectionString: SERVER_URL, schema });
    try {
      expect(store).toBeInstanceOf(PostgresEventStore);
      expect(await store.headPosition()).toBe(0);
    } finally {
      await store.close();
      const admin = new Pool({ connectionString: SERVER_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it('an unreachable PostgreSQL gives EventStoreUnavailableError naming host, port and cause, quickly', async () => {
    const started = Date.now();
    const error = await createEventStore({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/test' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1\/test/);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('a database that does not exist gives EventStoreUnavailableError naming it', async () => {
    const error = await createEventStore({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:5432/no_such_fundtrail_db' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect((error as Error).message).toMatch(/no_such_fundtrail_db/);
    expect((error as Error).message).toMatch(/does not exist/);
  });

  it('a host that does not resolve gives EventStoreUnavailableError naming it', async () => {
    const error = await createEventStore({ kind: 'postgres', connectionString: 'postgres://postgres@no-such-host.invalid:5432/test' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect((error as Error).message).toMatch(/no-such-host\.invalid:5432/);
  });

  const esdbPresent = ['.ts', '.js'].some((extension) => existsSync(join(__dirname, '../../src/event-store', `esdb.event-store${extension}`)));
  (esdbPresent ? it.skip : it)('esdb without its adapter file says so clearly', async () => {
    await expect(createEventStore({ kind: 'esdb', connectionString: 'esdb://127.0.0.1:2113?tls=false' })).rejects.toThrow(/EventStoreDB adapter.*not part of this build/);
  });
});

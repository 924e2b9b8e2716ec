/**
 * The contract on PostgreSQL (127.0.0.1:5432, database `test`, or FUNDTRAIL_TEST_POSTGRES_URL).
 * Each test gets its own schema (random name, dropped afterwards), so parallel Jest workers and CI runs
 * do not collide, and talks to the server through its own TCP proxy, which the outage tests cut and restore.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '../../src/event-store/postgres.event-store';
import { type ContractHarness, eventStoreContract } from './event-store.contract';
import { type TcpProxy, startTcpProxy } from './tcp-proxy';

const SERVER_URL = process.env.FUNDTRAIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const server = new URL(SERVER_URL);

interface PostgresHarness extends ContractHarness {
  schema: string;
  proxy: TcpProxy;
}

const admin = new Pool({ connectionString: SERVER_URL, max: 2 });

afterAll(async () => {
  await admin.end();
});

export function throughProxy(port: number): string {
  const url = new URL(SERVER_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

eventStoreContract(
  'postgres',
  async (): Promise<PostgresHarness> => {
    const schema = `ft_test_${randomBytes(6).toString('hex')}`;
    const proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    const store = await PostgresEventStore.open({ connectionString: throughProxy(proxy.port), schema, pollMs: 50, connectTimeoutMs: 2_000 });
    return { store, schema, proxy, breakEngine: () => proxy.cut(), restoreEngine: () => proxy.restore() };
  },
  async (harness) => {
    const { store, schema, proxy } = harness as PostgresHarness;
    await proxy.restore();
    await store.close();
    await proxy.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  },
);

describe('postgres adapter: server-side termination of its connections (pg_terminate_backend)', () => {
  it('an idle pool whose backends were terminated answers the next calls on fresh connections', async () => {
    const schema = `ft_test_${randomBytes(6).toString('hex')}`;
    const applicationName = `fundtrail_terminate_${schema}`;
    const url = new URL(SERVER_URL);
    url.searchParams.set('application_name', applicationName);
    const store = await PostgresEventStore.open({ connectionString: url.toString(), schema });
    try {
      await Promise.all(Array.from({ length: 3 }, (_, index) => store.append(`t-${index}`, [], { expectedVersion: 'any' })));
      const terminated = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      expect(terminated.rowCount).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await store.headPosition()).toBe(0);
      expect(await store.readAll()).toEqual([]);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});

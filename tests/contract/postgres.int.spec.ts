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

/**
 * The contract on PostgreSQL (127.0.0.1:5432, database `test`, or FUNDTRAIL_TEST_POSTGRES_URL).
 * Each test gets its own schema (random name, dropped afterwards), so parallel Jest workers and CI runs
 * do not collide, and talks to the server through its own TCP proxy, which the outage tests cut and restore.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { verifyStreamChain } from '../../src/event-store/hash-chain';
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

describe('postgres adapter: two instances on one schema (each remembers stream heads, which go stale)', () => {
  const event = (index: number) => ({
    eventId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}-${randomBytes(2).toString('hex')}`.slice(0, 36),
    type: 'TransferSent',
    data: { index },
    metadata: { actor: { id: 'u', role: 'r' }, occurredAt: '2022-01-01', recordedAt: '2022-01-01T00:00:00.000Z', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
  });

  it('a stale head is detected in the one-statement append: refused for a stale number, rechained for any, the key undone', async () => {
    const schema = `ft_test_${randomBytes(6).toString('hex')}`;
    const [a, b] = [
      await PostgresEventStore.open({ connectionString: SERVER_URL, schema }),
      await PostgresEventStore.open({ connectionString: SERVER_URL, schema }),
    ];
    try {
      await a.append('s', [event(1)], { expectedVersion: 'no-stream' });
      await b.readStream('s'); // b remembers head 0
      await a.append('s', [event(2)], { expectedVersion: 0 }); // head 1: b's memory is stale now
      const key = { key: `k-${schema}`, requestHash: 'h', response: { ok: true } };
      // a stale expected version, with a key: refused, and the key is not kept (the function raised to undo it)
      await expect(b.append('s', [event(3)], { expectedVersion: 0, idempotency: key })).rejects.toThrow(/expected version 0, actual 1/);
      expect(await b.findIdempotency(key.key)).toBeUndefined();
      // 'any' from the stale head: the function answers the real head, the adapter rechains after it
      const any = await b.append('s', [event(4)], { expectedVersion: 'any', idempotency: key });
      expect(any.events[0].version).toBe(2);
      expect(await b.findIdempotency(key.key)).toMatchObject({ requestHash: 'h' });
      const all = await a.readStream('s');
      expect(all.map((recorded) => recorded.version)).toEqual([0, 1, 2]);
      expect(verifyStreamChain(all)).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});

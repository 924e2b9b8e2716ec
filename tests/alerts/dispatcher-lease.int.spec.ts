/**
 * Proves "a supervisor gets each alert once per channel" across app instances: two alert services with their
 * engines on one SQLite store file, sharing the `alert-dispatcher` lease (a SQLite lease row in one shared
 * database file, and again with PostgreSQL advisory locks), tick at the same moments; a webhook receiver on
 * 127.0.0.1 gets each delivery exactly once. Without the lease the same race sends twice (the control).
 * When the sending instance stops it releases the lease and the other sends what falls due next; when it
 * crashes (never releases), the other takes over once the SQLite lease's time-to-live has passed.
 * Injected clock and timers: no real waiting.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertEngine } from '../../src/alerts/alert-engine';
import { AlertService } from '../../src/alerts/alert-service';
import { ChannelSender } from '../../src/alerts/channels';
import { type Lease, PostgresLease, SqliteLease } from '../../src/event-store/lease';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { TEST_POSTGRES_URL } from '../support/test-app';
import { NO_TIMERS, buildFund } from './small-fund';
import { manualClock, startReceiver, type Receiver } from './receivers';

const SUPERVISOR = { id: 'sup-1', role: 'supervisor' };
const TTL_MS = 15_000;

/** Each delivery id the receiver got, with how many times. */
function counts(receiver: Receiver): Map<string, number> {
  const seen = new Map<string, number>();
  for (const request of receiver.requests) {
    const id = String(request.headers['x-fundtrail-delivery']);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

type LeaseFactory = (name: string, now: () => number) => Lease;

describe.each([
  ['a SQLite lease row', 'sqlite'],
  ['a PostgreSQL advisory lock', 'postgres'],
] as const)('two app instances send each delivery once, with %s', (_title, kind) => {
  let dir: string;
  const clock = manualClock('2022-02-03T09:00:00Z'); // day 24 at the county: the warning
  const open: Array<{ close(): Promise<void> | void }> = [];
  let receiver: Receiver;
  let leaseName = '';

  const leaseFactory: LeaseFactory = (name, now) => {
    if (kind === 'postgres') return new PostgresLease({ connectionString: TEST_POSTGRES_URL });
    const db = new Database(name);
    db.pragma('busy_timeout = 5000');
    open.push({ close: () => void db.close() });
    return new SqliteLease(db, { ttlMs: TTL_MS, now });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fundtrail-dispatch-'));
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    await buildFund(store);
    await store.close();
    clock.set('2022-02-03T09:00:00Z');
    receiver = await startReceiver();
    open.push(receiver);
    leaseName = `alert-dispatcher:test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One app instance: its own store connection, service, engine and lease connection. */
  function instance(withLease = true) {
    const store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    const service = new AlertService(store, clock.now, { sender: new ChannelSender(), retry: { backoffBaseMs: 1_000, backoffMaxMs: 60_000, attemptsMax: 3 } });
    const lease = withLease ? leaseFactory(join(dir, 'read-models.db'), () => clock.now().getTime()) : undefined;
    const engine = new AlertEngine(service, { intervalMs: 60_000, timers: NO_TIMERS, ...(lease ? { lease, leaseName } : {}) });
    open.push(store);
    if (lease) open.push(lease);
    return { service, engine, lease };
  }

  async function subscribe(service: AlertService): Promise<void> {
    // two channels (two webhooks of one receiver): two deliveries per alert
    await service.createSubscription({ supervisorName: '监督甲', filter: {}, channel: { kind: 'webhook', url: `${receiver.url}/a` } }, SUPERVISOR);
    await service.createSubscription({ supervisorName: '监督乙', filter: {}, channel: { kind: 'webhook', url: `${receiver.url}/b` } }, SUPERVISOR);
  }

  it('ticking together, the receiver gets each delivery exactly once; the other takes over when the sender stops', async () => {
    const [a, b] = [instance(), instance()];
    await subscribe(a.service);
    for (let round = 0; round < 5; round++) await Promise.all([a.engine.tick({ all: true }), b.engine.tick({ all: true })]);
    expect(receiver.requests).toHaveLength(2); // the warning, on two channels
    expect([...counts(receiver).values()]).toEqual([1, 1]);
    const deliveries = [...a.service.deliveries.values()];
    expect(deliveries.map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']);
    expect(deliveries.map((delivery) => delivery.attemptsTotal)).toEqual([1, 1]);

    // which one sends: the lease's holder
    const sender = (await a.lease!.renew(leaseName)) ? a : b;
    const other = sender === a ? b : a;
    expect(await other.lease!.acquire(leaseName)).toBe(false);
    await sender.engine.stop(); // releases the lease

    clock.set('2022-02-09T09:00:00Z'); // overdue: the breach
    await Promise.all([sender.engine.tick({ all: true }), other.engine.tick({ all: true })]);
    expect(receiver.requests).toHaveLength(4);
    expect([...counts(receiver).values()]).toEqual([1, 1, 1, 1]);
    expect(await other.lease!.renew(leaseName)).toBe(true);
  });

  if (kind === 'sqlite') {
    it('a sender that crashes (never releases) is replaced once its lease has expired', async () => {
      const [a, b] = [instance(), instance()];
      await subscribe(a.service);
      // a took the lease and "crashed" before sending: it ticks no more and its lease row stays
      expect(await a.lease!.acquire(leaseName)).toBe(true);
      clock.advance(TTL_MS - 1_000); // the lease still runs: b records the deliveries but must not send them
      await b.engine.tick({ all: true });
      expect(receiver.requests).toHaveLength(0);
      expect([...b.service.deliveries.values()].map((delivery) => delivery.status)).toEqual(['pending', 'pending']);
      clock.advance(1_000); // expired: b takes over
      await b.engine.tick({ all: true });
      expect(receiver.requests).toHaveLength(2);
      expect([...counts(receiver).values()]).toEqual([1, 1]);
      expect(await a.lease!.renew(leaseName)).toBe(false);
    });

    it('the control: without the lease, the same race sends a delivery twice', async () => {
      const [a, b] = [instance(false), instance(false)];
      await subscribe(a.service);
      await Promise.all([a.engine.tick({ all: true }), b.engine.tick({ all: true })]);
      expect(Math.max(...counts(receiver).values())).toBe(2);
    });
  }
});

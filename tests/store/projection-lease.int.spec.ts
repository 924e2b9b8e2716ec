/**
 * Proves: two app instances on one store and one read model (SQLite file, PostgreSQL schema) feed each projection
 * from exactly one of them at a time. Instance A starts first and takes every projection's lease; instance B
 * follows the same store but writes nothing to the read model, and still answers queries with A's rows (it waits
 * for A's checkpoint: read your writes). When A stops, B takes the leases over and feeds the events that follow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECTIONS, ProjectionService, type ReadModelConfig } from '../../projections';
import type { ReadModel } from '../../projections/read-model';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { creditCode } from '../support/small-fund';
import { dropPostgresSchema, freshSchemaName, TEST_POSTGRES_URL } from '../support/test-app';

const actor = { actor: { id: 'test', role: 'admin' } };
const COUNTY = { code: '150121', name: '土默特左旗' };

async function setUpFund(ledger: Ledger): Promise<void> {
  const holders = [
    { holderId: 'city', name: '市财政局', level: 'city-finance' as const },
    { holderId: 'county', name: '县财政局', level: 'county-finance' as const, county: COUNTY },
    { holderId: 'bureau', name: '县工信局', level: 'department' as const, county: COUNTY },
    { holderId: 'ent', name: '示例企业', level: 'enterprise' as const, county: COUNTY, creditCode: creditCode('91150121MA0N00001') },
  ];
  for (const holder of holders) await ledger.registerHolder({ kind: 'RegisterHolder', ...holder }, actor);
  await ledger.executeFund('f', { kind: 'AppropriateFund', fundId: 'f', name: '测试', fiscalYear: 2022, budgetFen: 100_000_000, cityFinanceHolderId: 'city', occurredAt: '2022-01-01' }, actor);
  await ledger.executeFund('f', { kind: 'IssueAllocation', allocationId: 'a', document: 'd', amountFen: 100_000_000, direction: 'x', occurredAt: '2022-01-02' }, actor);
  await ledger.executeFund('f', { kind: 'SendTransfer', transferId: 't', fromHolderId: 'city', toHolderId: 'county', amountFen: 50_000_000, occurredAt: '2022-01-03', allocationId: 'a' }, actor);
  await ledger.executeFund('f', { kind: 'ReceiveTransfer', transferId: 't', occurredAt: '2022-01-04' }, actor);
}

const send = (ledger: Ledger, transferId: string, amountFen: number) =>
  ledger.executeFund('f', { kind: 'SendTransfer', transferId, fromHolderId: 'county', toHolderId: 'bureau', amountFen, occurredAt: '2022-05-01' }, actor);

async function countyBalance(service: ProjectionService): Promise<number> {
  const balances = (await service.query('balances', 'f', { today: '2022-12-31' })) as { holders: Array<{ holderId: string; balanceFen: number }> };
  return balances.holders.find((holder) => holder.holderId === 'county')?.balanceFen ?? 0;
}

async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function holds(service: ProjectionService): Promise<string[]> {
  const runner = await service.runner();
  return PROJECTIONS.filter((projection) => runner.leases?.holds(projection.name)).map((projection) => projection.name);
}

/** Counts the read-model transactions an instance commits (on SQLite into each projection's own file). */
async function countCommits(service: ProjectionService): Promise<{ count: number }> {
  const db: ReadModel = await service.db();
  const counter = { count: 0 };
  const parts = new Set(await Promise.all(PROJECTIONS.map((projection) => db.part(projection.name, projection.tables))));
  for (const part of parts) {
    const commit = part.commit.bind(part);
    part.commit = (work, checks) => {
      counter.count += 1;
      return commit(work, checks);
    };
  }
  return counter;
}

async function twoInstances(config: ReadModelConfig, storeFile: string): Promise<void> {
  const store = new SqliteEventStore({ filename: storeFile, pollMs: 20 });
  const ledger = new Ledger(store);
  await setUpFund(ledger);
  const a = new ProjectionService(store, config);
  const b = new ProjectionService(store, config);
  try {
    await a.start();
    await eventually(async () => (await holds(a)).length === PROJECTIONS.length, 5_000, 'A takes every lease');
    await a.catchUp();
    await b.start();
    const bCommits = await countCommits(b);
    expect(await holds(b)).toEqual([]);
    // while A runs: events are fed by A only, and B answers with A's rows
    await send(ledger, 'x1', 1_000_000);
    await send(ledger, 'x2', 2_000_000);
    expect(await countyBalance(b)).toBe(47_000_000);
    expect(await countyBalance(a)).toBe(47_000_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bCommits.count).toBe(0);
    expect(await holds(b)).toEqual([]);
    // A stops: B takes over and feeds what follows
    await a.close();
    await send(ledger, 'x3', 3_000_000);
    await eventually(async () => (await holds(b)).length === PROJECTIONS.length, 10_000, 'B takes the leases over');
    expect(await countyBalance(b)).toBe(44_000_000);
    expect(bCommits.count).toBeGreaterThan(0);
    // what B fed is what a single instance rebuilding from the events alone gives
    const lag = await b.lag();
    expect(lag.projections.every((projection) => projection.lag === 0)).toBe(true);
  } finally {
    await a.close();
    await b.close();
    await store.close();
  }
}

describe('projection leases: one feeding instance at a time', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'fundtrail-projection-lease-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('SQLite read model (lease rows in the read-model file)', async () => {
    await twoInstances({ kind: 'sqlite', filename: join(directory, 'read-models.db') }, join(directory, 'events.db'));
  }, 60_000);

  it('PostgreSQL read model (advisory locks)', async () => {
    const schema = freshSchemaName('ft_lease');
    try {
      await twoInstances({ kind: 'postgres', url: TEST_POSTGRES_URL, schema }, join(directory, 'events.db'));
    } finally {
      await dropPostgresSchema(schema);
    }
  }, 60_000);
});

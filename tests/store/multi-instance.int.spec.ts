/**
 * Proves: several app instances on one shared store keep the ledger correct. Two Ledger instances, each on its
 * own store object (its own PostgreSQL pool, or its own SQLite connection to the same file: what two processes
 * have), fire concurrent transfers at the same holder: exactly the affordable number succeed across both, the
 * others are refused as insufficient balance, nothing is overdrawn, and the invariants hold from the events.
 * (The optimistic check on the fund stream's version, in the store, is what two instances share: each instance's
 * keyed lock only orders its own commands.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerRefusal } from '../../src/domain';
import type { EventStore } from '../../src/event-store/event-store.port';
import { PostgresEventStore } from '../../src/event-store/postgres.event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { assertLedgerInvariants } from '../support/invariants';
import { creditCode } from '../support/small-fund';
import { dropPostgresSchema, freshSchemaName, TEST_POSTGRES_URL } from '../support/test-app';

const actor = { actor: { id: 'test', role: 'admin' } };
const COUNTY = { code: '150121', name: '土默特左旗' };
const HELD_FEN = 50_000_000; // 500,000 元 at the county finance bureau
const ASKED_FEN = 1_200_000; // 12,000 元 a transfer
const TRANSFERS = 50; // 600,000 元 asked: 41 affordable
const AFFORDABLE = Math.floor(HELD_FEN / ASKED_FEN);

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
  await ledger.executeFund('f', { kind: 'SendTransfer', transferId: 't', fromHolderId: 'city', toHolderId: 'county', amountFen: HELD_FEN, occurredAt: '2022-01-03', allocationId: 'a' }, actor);
  await ledger.executeFund('f', { kind: 'ReceiveTransfer', transferId: 't', occurredAt: '2022-01-04' }, actor);
}

async function twoInstancesRace(first: EventStore, second: EventStore): Promise<void> {
  const ledgers = [new Ledger(first), new Ledger(second)];
  await setUpFund(ledgers[0]);
  // both instances have read the fund before the race: each starts from a cached state that will go stale
  await Promise.all(ledgers.map((ledger) => ledger.fund('f')));
  const outcomes = await Promise.all(
    Array.from({ length: TRANSFERS }, (_, index) =>
      ledgers[index % 2]
        .executeFund('f', { kind: 'SendTransfer', transferId: `c${index}`, fromHolderId: 'county', toHolderId: 'bureau', amountFen: ASKED_FEN, occurredAt: '2022-05-01' }, actor)
        .then(
          () => ({ instance: index % 2, ok: true as const }),
          (error: Error) => {
            if (!(error instanceof LedgerRefusal) || error.code !== 'insufficient-balance') throw error;
            return { instance: index % 2, ok: false as const };
          },
        ),
    ),
  );
  const succeeded = outcomes.filter((outcome) => outcome.ok);
  expect(succeeded).toHaveLength(AFFORDABLE);
  // both instances won some: the race really ran across instances
  expect(new Set(succeeded.map((outcome) => outcome.instance)).size).toBe(2);
  for (const ledger of [new Ledger(first), new Ledger(second)]) {
    const fund = await ledger.fund('f');
    expect(fund.balances.get('county')).toBe(HELD_FEN - AFFORDABLE * ASKED_FEN);
  }
  await assertLedgerInvariants(first);
  const events = await first.readStream('fund-f');
  expect(events.filter((event) => event.type === 'TransferSent')).toHaveLength(AFFORDABLE + 1);
}

describe('two instances on one store: no overdraft across instances', () => {
  it('PostgreSQL: two pools on one schema', async () => {
    const schema = freshSchemaName('ft_multi');
    const [a, b] = [
      await PostgresEventStore.open({ connectionString: TEST_POSTGRES_URL, schema }),
      await PostgresEventStore.open({ connectionString: TEST_POSTGRES_URL, schema }),
    ];
    try {
      await twoInstancesRace(a, b);
    } finally {
      await a.close();
      await b.close();
      await dropPostgresSchema(schema);
    }
  }, 60_000);

  it('SQLite: two connections to one file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fundtrail-multi-'));
    const file = join(directory, 'events.db');
    const [a, b] = [new SqliteEventStore({ filename: file }), new SqliteEventStore({ filename: file })];
    try {
      await twoInstancesRace(a, b);
    } finally {
      await a.close();
      await b.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);
});

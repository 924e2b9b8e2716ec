/**
 * Proves: the demo fund loads through the real ledger and store (not only through the pure deciders),
 * agrees with the evaluation report's figures, and loading it again changes nothing.
 */
import { loadDemo } from '../../src/app/demo-loader';
import { HOHHOT_2022_REPORT } from '../../src/demo/hohhot-2022';
import { formatYuan, wan } from '../../src/domain';
import { assertLedgerInvariants } from '../support/invariants';
import { startTestApp, storeSnapshot, testStoreKind, type TestApp } from '../support/test-app';

describe(`the demo fund (呼和浩特市2022年工业高质量发展专项资金) through the ledger (${testStoreKind()} event store)`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await loadDemo(t.runtime.ledger);
  }, 60_000);
  afterAll(() => t.close());

  it('agrees with the report: budget 15000万, allocated 13195.35万, swept 1804.65万, paid 2351.02万', async () => {
    const fund = (await t.http().get('/api/funds/hohhot-2022-industrial').expect(200)).body;
    expect(fund.budget).toBe('150000000.00');
    expect(fund.allocated).toBe('131953500.00');
    expect(fund.unallocated).toBe('0.00');
    expect(fund.paidToEnterprises).toBe('23510200.00');
    const pool = fund.balances.find((balance: { level: string }) => balance.level === 'pool');
    expect(pool.balance).toBe('18046500.00');
    // every allocation channel of the report, by document, in 元
    expect(fund.allocations.map((allocation: { document: string; amount: string }) => [allocation.document, allocation.amount]).sort()).toEqual(
      HOHHOT_2022_REPORT.allocations.map((allocation) => [allocation.document, formatYuan(wan(allocation.amountWan))]).sort(),
    );
  });

  it('registers 76 projects and 40 enterprises', async () => {
    const projects = (await t.http().get('/api/projects?fundId=hohhot-2022-industrial').expect(200)).body;
    expect(projects).toHaveLength(76);
    const enterprises = (await t.http().get('/api/holders?level=enterprise').expect(200)).body;
    expect(enterprises).toHaveLength(40);
  });

  it('keeps the invariants, and a second load changes nothing', async () => {
    await assertLedgerInvariants(t.runtime.store);
    const before = await storeSnapshot(t.runtime.store);
    const again = await loadDemo(t.runtime.ledger);
    expect(again.events).toBe(0);
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
  });
});

import { assertLedgerInvariants } from '../support/invariants';
import { COUNTY, creditCode, setUpSmallFund } from '../support/small-fund';
import { startTestApp, storeSnapshot, testStoreKind, type TestApp } from '../support/test-app';

describe(`ledger HTTP API (end to end, ${testStoreKind()} event store)`, () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await setUpSmallFund(t);
  });
  afterEach(async () => {
    // every scenario ends with the invariants holding when rebuilt from the events alone
    await assertLedgerInvariants(t.runtime.store);
    await t.close();
  });

  it('shows a fund with its budget, allocation, balances and money in transit, amounts in 元', async () => {
    await t.http().post('/api/funds/f1/transfers').send({ transferId: 't2', fromHolderId: 'county', toHolderId: 'bureau', amount: '120000.50', occurredAt: '2022-05-02' }).expect(201);
    const fund = (await t.http().get('/api/funds/f1').expect(200)).body;
    expect(fund).toMatchObject({ budget: '1000000.00', allocated: '800000.00', unallocated: '200000.00', inTransit: '120000.50', paidToEnterprises: '0.00' });
    expect(fund.balances).toEqual(
      expect.arrayContaining([expect.objectContaining({ holderId: 'city', balance: '300000.00' }), expect.objectContaining({ holderId: 'county', balance: '379999.50' })]),
    );
    const funds = (await t.http().get('/api/funds').expect(200)).body;
    expect(funds).toEqual([expect.objectContaining({ fundId: 'f1', budget: '1000000.00' })]);
  });

  it('lists the fund’s events in order, each chained to the previous by its hash', async () => {
    const { body } = await t.http().get('/api/funds/f1/events').expect(200);
    expect(body.events.map((event: { type: string }) => event.type)).toEqual([
      'FundAppropriated', 'AllocationIssued', 'TransferSent', 'TransferReceived', 'ProjectRegistered', 'ProjectRegistered',
    ]);
    body.events.forEach((event: { prevHash: string; hash: string; version: number }, index: number) => {
      expect(event.version).toBe(index);
      expect(event.prevHash).toBe(index === 0 ? '' : body.events[index - 1].hash);
    });
    expect(body.events[2].data.amount).toBe('500000.00');
    expect(body.events[2].metadata).toMatchObject({ actor: { id: 'demo' }, occurredAt: '2022-04-01', schemaVersion: 1 });
  });

  it('pays a batch of payouts all at once, and refuses a whole batch when one item fails, leaving the store unchanged', async () => {
    const before = await storeSnapshot(t.runtime.store);
    const refused = await t.http().post('/api/funds/f1/payouts').send({
      occurredAt: '2022-06-01',
      items: [
        { fromHolderId: 'county', projectId: 'p1', amount: '300000.00' },
        { fromHolderId: 'county', projectId: 'p2', amount: '300000.01' },
      ],
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'beyond-approved-amount' });
    expect(refused.body.message_zh).toMatch(/第 2 笔/);
    expect(refused.body.message_en).toMatch(/item 2/);
    expect(await storeSnapshot(t.runtime.store)).toBe(before);

    const paid = await t.http().post('/api/funds/f1/payouts').send({
      occurredAt: '2022-06-01',
      items: [
        { fromHolderId: 'county', projectId: 'p1', amount: '300000.00', document: '土财企〔2022〕5号' },
        { fromHolderId: 'county', projectId: 'p2', amount: '150000.00' },
      ],
    }).expect(201);
    expect(paid.body.events.map((event: { type: string }) => event.type)).toEqual(['PayoutMade', 'PayoutMade']);
    const fund = (await t.http().get('/api/funds/f1').expect(200)).body;
    expect(fund.paidToEnterprises).toBe('450000.00');
    const projects = (await t.http().get('/api/projects?fundId=f1').expect(200)).body;
    expect(projects.map((project: { paid: string }) => project.paid).sort()).toEqual(['150000.00', '300000.00']);
  });

  it('answers bad input with 400 naming each bad field, and leaves the store unchanged', async () => {
    const before = await storeSnapshot(t.runtime.store);
    const response = await t.http().post('/api/funds/f1/transfers').send({ fromHolderId: 'county', amount: '1.001', occurredAt: '2022-02-30', extra: 1 }).expect(400);
    const fields = response.body.fields.map((field: { field: string }) => field.field);
    expect(fields).toEqual(expect.arrayContaining(['toHolderId', 'amount', 'occurredAt', 'extra']));
    expect(response.body.message_zh).toMatch(/请求字段无效/);
    expect(JSON.stringify(response.body)).toMatch(/more than two decimals/);
    for (const amount of ['-5.00', '1e3', '', 'abc', 5, '100000000000.01']) {
      await t.http().post('/api/funds/f1/transfers').send({ fromHolderId: 'county', toHolderId: 'bureau', amount, occurredAt: '2022-05-01' }).expect(400);
    }
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
  });

  it('refuses what the ledger will not do with 409/422 and the reason in Chinese and English; unknown ids are 404', async () => {
    const before = await storeSnapshot(t.runtime.store);
    const overdraft = await t.http().post('/api/funds/f1/transfers').send({ fromHolderId: 'county', toHolderId: 'bureau', amount: '500000.01', occurredAt: '2022-05-01' }).expect(409);
    expect(overdraft.body).toMatchObject({ error: 'insufficient-balance' });
    expect(overdraft.body.message_zh).toMatch(/土默特左旗财政局 在本资金中只有 500000.00 元/);
    expect(overdraft.body.message_en).toMatch(/holds 500000.00 yuan/);
    const twice = await t.http().post('/api/funds/f1/transfers/t1/receipt').send({ occurredAt: '2022-04-20' }).expect(409);
    expect(twice.body.error).toBe('already-received');
    const early = await t.http().post('/api/funds/f1/allocations').send({ document: 'x', amount: '1.00', direction: 'x', occurredAt: '2021-12-31' }).expect(422);
    expect(early.body.error).toBe('date-before-fund');
    const unknownHolder = await t.http().post('/api/funds/f1/transfers').send({ fromHolderId: 'county', toHolderId: 'nobody', amount: '1.00', occurredAt: '2022-05-01' }).expect(422);
    expect(unknownHolder.body.error).toBe('unknown-holder');
    await t.http().get('/api/funds/nope').expect(404);
    await t.http().post('/api/funds/nope/allocations').send({ document: 'x', amount: '1.00', direction: 'x', occurredAt: '2022-05-01' }).expect(404);
    await t.http().post('/api/projects/nope/progress').send({ percent: 10, note: 'x', occurredAt: '2022-05-01' }).expect(404);
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
  });

  it('gives a retried command with the same Idempotency-Key exactly one effect and the first answer', async () => {
    const body = { fromHolderId: 'county', toHolderId: 'bureau', amount: '1000.00', occurredAt: '2022-05-01' };
    const first = await t.http().post('/api/funds/f1/transfers').set('Idempotency-Key', 'k-1').send(body).expect(201);
    const again = await t.http().post('/api/funds/f1/transfers').set('Idempotency-Key', 'k-1').send(body).expect(201);
    expect(again.body.events).toEqual(first.body.events);
    expect(again.body.replayed).toBe(true);
    const fund = (await t.http().get('/api/funds/f1').expect(200)).body;
    expect(fund.inTransit).toBe('1000.00');
    const reused = await t.http().post('/api/funds/f1/transfers').set('Idempotency-Key', 'k-1').send({ ...body, amount: '2000.00' }).expect(409);
    expect(reused.body.error).toBe('idempotency-key-reused');
  });

  it('never overdraws a holder under 50 concurrent transfers (500,000 元 held, 50 × 12,000 元 asked: exactly 41 succeed)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        t.http().post('/api/funds/f1/transfers').send({ transferId: `c${index}`, fromHolderId: 'county', toHolderId: 'bureau', amount: '12000.00', occurredAt: '2022-05-01' }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(41);
    expect(statuses.filter((status) => status === 409)).toHaveLength(9);
    const fund = (await t.http().get('/api/funds/f1').expect(200)).body;
    expect(fund.balances.find((balance: { holderId: string }) => balance.holderId === 'county').balance).toBe('8000.00');
  });

  it('reverses a payout (冲正) and refuses reversing the reversal', async () => {
    const paid = await t.http().post('/api/funds/f1/payouts').send({ occurredAt: '2022-06-01', items: [{ fromHolderId: 'county', projectId: 'p1', amount: '300000.00' }] }).expect(201);
    const reversal = await t.http().post('/api/funds/f1/reversals').send({ eventId: paid.body.events[0].eventId, reason: '收款账户错误', occurredAt: '2022-06-02' }).expect(201);
    const again = await t.http().post('/api/funds/f1/reversals').send({ eventId: reversal.body.events[0].eventId, reason: 'x', occurredAt: '2022-06-03' }).expect(422);
    expect(again.body.error).toBe('reversal-of-reversal');
    expect((await t.http().get('/api/funds/f1').expect(200)).body.paidToEnterprises).toBe('0.00');
  });

  it('sweeps the unallocated budget into the pool and returns money up a level', async () => {
    await t.http().post('/api/funds/f1/returns').send({ fromHolderId: 'city', toHolderId: 'pool', amount: '200000.00', kind: 'sweep', reason: '主管部门未提出分配意见', occurredAt: '2022-12-31' }).expect(201);
    await t.http().post('/api/funds/f1/returns').send({ fromHolderId: 'county', toHolderId: 'city', amount: '100000.00', kind: 'return', reason: '项目撤销', occurredAt: '2023-01-15' }).expect(201);
    const fund = (await t.http().get('/api/funds/f1').expect(200)).body;
    expect(fund.unallocated).toBe('0.00');
    expect(fund.balances.find((balance: { holderId: string }) => balance.holderId === 'pool').balance).toBe('200000.00');
  });

  it('registers holders with validation, lists them by level, reports and closes projects', async () => {
    await t.http().post('/api/holders').send({ holderId: 'e2', name: '示例企业', level: 'enterprise', county: COUNTY, creditCode: '91150121MA0N00001X' }).expect(400);
    await t.http().post('/api/holders').send({ holderId: 'e2', name: '示例企业', level: 'enterprise', county: COUNTY, creditCode: creditCode('91150121MA0N00002') }).expect(201);
    const duplicate = await t.http().post('/api/holders').send({ holderId: 'e2', name: '示例企业', level: 'park' }).expect(409);
    expect(duplicate.body.error).toBe('duplicate-id');
    const enterprises = (await t.http().get('/api/holders?level=enterprise').expect(200)).body;
    expect(enterprises.map((holder: { holderId: string }) => holder.holderId).sort()).toEqual(['e2', 'ent']);
    await t.http().post('/api/projects/p1/progress').send({ percent: 60, note: '设备已安装', occurredAt: '2022-07-01' }).expect(201);
    await t.http().post('/api/projects/p1/closure').send({ action: 'close', note: '已验收', occurredAt: '2022-08-01' }).expect(201);
    const project = (await t.http().get('/api/projects?fundId=f1').expect(200)).body.find((entry: { projectId: string }) => entry.projectId === 'p1');
    expect(project).toMatchObject({ progressPercent: 60, status: 'closed' });
  });

  it('serves the OpenAPI description at /docs-json and health at /health', async () => {
    const docs = (await t.http().get('/docs-json').expect(200)).body;
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/api/funds/{fundId}/transfers', '/api/funds/{fundId}/payouts', '/api/holders']));
    const health = (await t.http().get('/health').expect(200)).body;
    expect(health).toMatchObject({ status: 'ok', eventStore: testStoreKind() });
  });
});

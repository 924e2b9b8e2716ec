/**
 * Proves, end to end through HTTP on the demo fund: the audit API replays, verifies (and rejects a bad digest),
 * reconciles the report's 18.09% against the ledger, finds 正耐电气's duplicate award, tells an enterprise's
 * history, ranks the counties from the projections, exports real XLSX and CSV files, and imports a 台账 — and an
 * auditor may read and replay everything but import nothing.
 */
import ExcelJS from 'exceljs';
import { loadDemo } from '../../src/app/demo-loader';
import { writeTemplate } from '../../src/audit/import/template';
import { YUAN_FORMAT } from '../../src/audit/tabular';
import { assertLedgerInvariants } from '../support/invariants';
import { startTestApp, storeSnapshot, type TestApp } from '../support/test-app';

const FUND = 'hohhot-2022-industrial';
const binary = (response: { on: (event: string, listener: (chunk?: Buffer) => void) => void; setEncoding?: unknown }, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk?: Buffer) => chunks.push(chunk!));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
};

describe('audit API on the demo fund', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    await loadDemo(t.runtime.ledger);
    auditor = await t.tokenFor({ username: 'auditor1', role: 'auditor' } as never);
  }, 60_000);
  afterAll(() => t.close());

  it('replays with running balances and filters', async () => {
    const body = (await t.as(auditor).get(`/api/audit/funds/${FUND}/replay?county=150105&from=2022-11-01&to=2022-11-30`).expect(200)).body;
    expect(body.total).toBe(191);
    expect(body.steps.length).toBeGreaterThan(0);
    expect(body.steps[0].balances[0]).toHaveProperty('before');
    await t.as(auditor).get(`/api/audit/funds/${FUND}/replay?from=2022-13-01`).expect(400);
    await t.as(auditor).get('/api/audit/funds/nope/replay').expect(404);
  });

  it('answers the state as of a date and the difference between two dates', async () => {
    const state = (await t.as(auditor).get(`/api/audit/funds/${FUND}/state?asOf=2022-12-31`).expect(200)).body;
    expect(state.paidToEnterprises).toBe('8151800.00');
    const difference = (await t.as(auditor).get(`/api/audit/funds/${FUND}/difference?from=2022-12-31&to=2023-12-31`).expect(200)).body;
    expect(difference.places[0].stayed).toBe('19413100.00');
  });

  it('verifies the history and proves a filed digest; a malformed digest is a 422', async () => {
    const report = (await t.as(auditor).get('/api/audit/verify').expect(200)).body;
    expect(report.ok).toBe(true);
    const again = (await t.as(auditor).get(`/api/audit/verify?digest=${encodeURIComponent(report.digest)}`).expect(200)).body;
    expect(again.against.ok).toBe(true);
    await t.as(auditor).get('/api/audit/verify?digest=nonsense').expect(422);
  });

  it('reconciles the report: 18.09% beside the ledger’s 15.67% and 17.82%, reproduced by no usual base', async () => {
    const result = (await t.as(auditor).post(`/api/audit/funds/${FUND}/reconciliation`).send({ budget: '15000', allocated: '13195.35', spent: '2351.02', executionRate: '18.09' }).expect(200)).body;
    expect(result.figures.map((figure: { agrees: boolean }) => figure.agrees)).toEqual([true, true, true]);
    expect(result.rate.reported).toBe('18.09');
    expect(result.rate.candidates.map((candidate: { rate: string }) => candidate.rate)).toEqual(expect.arrayContaining(['15.67', '17.82']));
    expect(result.rate.reproducedBy).toEqual([]);
  });

  it('finds 正耐电气’s two 30万 awards in one direction, and tells its history', async () => {
    const duplicates = (await t.as(auditor).get('/api/audit/duplicates').expect(200)).body;
    expect(duplicates.sameDirection[0]).toMatchObject({ enterprise: '正耐电气股份有限公司', paid: '600000.00', acrossChannels: true });
    const history = (await t.as(auditor).get(`/api/audit/enterprises/${encodeURIComponent('正耐电气')}`).expect(200)).body;
    expect(history.entries.filter((entry: { kind: string }) => entry.kind === 'payout')).toHaveLength(2);
    await t.as(auditor).get(`/api/audit/enterprises/${encodeURIComponent('没有这家')}`).expect(404);
  });

  it('ranks the counties as of a date from the projections', async () => {
    const table = (await t.as(auditor).get(`/api/audit/funds/${FUND}/league?asOf=2023-12-31`).expect(200)).body;
    expect(table.rows).toHaveLength(10);
    expect(table.rows[0].rankByExecution).toBe(1);
    const rates = table.rows.map((row: { executionRate: number | null }) => row.executionRate ?? -1);
    expect(rates).toEqual([...rates].sort((a: number, b: number) => b - a));
  }, 30_000);

  it('exports the replay as a real XLSX file and the duplicates as CSV with a BOM', async () => {
    const response = await t.as(auditor).get(`/api/audit/funds/${FUND}/replay?format=xlsx`).buffer(true).parse(binary as never).expect(200);
    expect(response.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.body as ArrayBuffer);
    const cell = workbook.getWorksheet('回放 replay')!.getRow(4).getCell(7);
    expect(cell.value).toBe(150_000_000);
    expect(cell.numFmt).toBe(YUAN_FORMAT);
    const csv = await t.as(auditor).get('/api/audit/duplicates?format=csv').buffer(true).parse(binary as never).expect(200);
    expect((csv.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect((csv.body as Buffer).toString('utf8')).toContain('正耐电气股份有限公司');
  });

  it('imports a 台账 once (201), again with no change (200), and an auditor may not import (403)', async () => {
    const contentBase64 = (await writeTemplate('xlsx')).toString('base64');
    await t.as(auditor).post('/api/audit/imports').send({ filename: 't.xlsx', contentBase64 }).expect(403);
    const first = (await t.http().post('/api/audit/imports').send({ filename: 't.xlsx', contentBase64 }).expect(201)).body;
    expect(first).toMatchObject({ ok: true, applied: 13 });
    const before = await storeSnapshot(t.runtime.store);
    const second = (await t.http().post('/api/audit/imports').send({ filename: 't.xlsx', contentBase64 }).expect(200)).body;
    expect(second).toMatchObject({ ok: true, applied: 0, alreadyImported: 13 });
    expect(await storeSnapshot(t.runtime.store)).toBe(before);
    const bad = (await t.http().post('/api/audit/imports').send({ filename: 'bad.csv', contentBase64: Buffer.from('操作 op,资金编号 fund\n拨钱,x\n').toString('base64') }).expect(422)).body;
    expect(bad.errors[0]).toMatchObject({ row: 2 });
    const template = await t.as(auditor).get('/api/audit/import-template?format=csv').buffer(true).parse(binary as never).expect(200);
    expect((template.body as Buffer).toString('utf8')).toContain('操作 op');
    await assertLedgerInvariants(t.runtime.store);
  });
});

/**
 * Proves: exports are real files — an XLSX written by the exporter and read back with exceljs has the Chinese
 * headers, amounts as numbers (not text) in 元 with the 元 number format; CSV is UTF-8 with a BOM. And the 台账
 * import: the template imports as it is; every bad row is reported with its row number and reason and nothing is
 * written; re-importing the same file (CSV or XLSX) changes nothing; a longer file adds only its new rows.
 */
import ExcelJS from 'exceljs';
import { readWholeLog } from '../../src/audit/history';
import { importLedgerFile } from '../../src/audit/import/importer';
import { csvGrid } from '../../src/audit/import/read-table';
import { writeTemplate } from '../../src/audit/import/template';
import { replayFund } from '../../src/audit/replay';
import { replaySheets } from '../../src/audit/sheets';
import { BOM, YUAN_FORMAT, writeCsv, writeXlsx } from '../../src/audit/tabular';
import { wan } from '../../src/domain';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { assertLedgerInvariants } from '../support/invariants';
import { storeSnapshot } from '../support/test-app';
import { demoHistory } from './demo-store';

const ACTOR = { id: 'importer', role: 'admin' };

describe('export', () => {
  it('the replay as XLSX, read back with exceljs: Chinese headers, amounts as numbers with the 元 format', async () => {
    const { fund, holders, store } = await demoHistory();
    await store.close();
    const replay = replayFund(fund, holders);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await writeXlsx(replaySheets(replay))) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('回放 replay')!;
    const headerRow = sheet.getRow(3); // caption, empty row, header
    expect(headerRow.getCell(1).value).toBe('位置 position');
    expect(headerRow.getCell(7).value).toBe('金额（元） amount');
    const budgetRow = sheet.getRow(4); // the first event: the appropriation
    expect(budgetRow.getCell(4).value).toBe('预算设立');
    expect(budgetRow.getCell(7).value).toBe(150_000_000);
    expect(typeof budgetRow.getCell(7).value).toBe('number');
    expect(budgetRow.getCell(7).numFmt).toBe(YUAN_FORMAT);
    expect(sheet.rowCount).toBe(3 + 191);
    const balances = workbook.getWorksheet('余额变动 balances')!;
    expect(balances.getRow(1).getCell(7).value).toBe('变动前（元） before');
    const amounts = balances.getColumn(9).values.slice(2) as number[];
    expect(amounts.every((value) => typeof value === 'number')).toBe(true);
    // 30万 to 正耐电气 is exactly 300000 in the cell
    expect(amounts).toContain(300_000);
  });

  it('CSV starts with a BOM, quotes what needs quoting and writes amounts as decimals of 元', () => {
    const csv = writeCsv([{ name: 't', columns: [{ header: '单位 holder', key: 'name', kind: 'text' }, { header: '金额（元） amount', key: 'fen', kind: 'yuan' }], rows: [{ name: '甲,乙"丙"', fen: wan('2351.02') }] }]).toString('utf8');
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv).toBe(`${BOM}单位 holder,金额（元） amount\r\n"甲,乙""丙""",23510200.00\r\n`);
    expect(csvGrid(csv).map((row) => row.cells)).toEqual([['单位 holder', '金额（元） amount'], ['甲,乙"丙"', '23510200.00']]);
  });
});

describe('import of a 台账', () => {
  let store: SqliteEventStore;
  let ledger: Ledger;
  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
    ledger = new Ledger(store);
  });
  afterEach(() => store.close());

  it('the template’s example rows import as they are (CSV), and the ledger keeps its invariants', async () => {
    const report = await importLedgerFile(ledger, store, 'template.csv', await writeTemplate('csv'), { actor: ACTOR });
    expect(report).toMatchObject({ ok: true, format: 'csv', rows: 13, commands: 13, applied: 13, alreadyImported: 0, errors: [] });
    const fund = await ledger.fund('example-2024');
    expect(fund.balances.get('ex-ent')).toBe(30_000_000);
    expect(fund.balances.get('ex-county')).toBe(260_000_000);
    await assertLedgerInvariants(store);
  });

  it('re-importing the same file changes nothing; the XLSX of the same rows is the same import', async () => {
    await importLedgerFile(ledger, store, 'template.csv', await writeTemplate('csv'), { actor: ACTOR });
    const before = await storeSnapshot(store);
    const again = await importLedgerFile(ledger, store, 'template.csv', await writeTemplate('csv'), { actor: ACTOR });
    expect(again).toMatchObject({ ok: true, applied: 0, alreadyImported: 13, eventsAppended: 0 });
    const asXlsx = await importLedgerFile(ledger, store, 'template.xlsx', await writeTemplate('xlsx'), { actor: ACTOR });
    expect(asXlsx).toMatchObject({ ok: true, format: 'xlsx', applied: 0, alreadyImported: 13 });
    expect(await storeSnapshot(store)).toBe(before);
  });

  it('a longer file adds only its new rows', async () => {
    const template = (await writeTemplate('csv')).toString('utf8');
    await importLedgerFile(ledger, store, 'a.csv', Buffer.from(template), { actor: ACTOR });
    const longer = `${template}兑现,example-2024,2024-07-15,p-2,,,,,,100000.00,,ex-bureau,,proj-1,,,,,,,,\r\n`;
    const report = await importLedgerFile(ledger, store, 'b.csv', Buffer.from(longer), { actor: ACTOR });
    expect(report).toMatchObject({ ok: true, applied: 1, alreadyImported: 13 });
  });

  it('every bad row is reported with its row number and reason, and nothing at all is written', async () => {
    const header = (await writeTemplate('csv', { examples: false })).toString('utf8');
    const rows = [
      '单位登记,,,city,市财政局,市财政局,,,,,,,,,,,,,,,,', // row 2: fine
      '设立资金,f1,2024-02-30,,资金,,,,,100.00,,city,,,,,2024,,,,,', // row 3: no such date
      '指标下达,f1,2024-03-01,a1,,,,,,12.345,文号,,,,,方向,,,,,,', // row 4: three decimals
      '拨付,f1,2024-03-02,t1,,,,,,10.00,,city,nowhere,,,,,,,,,', // row 5: valid row, refused by the ledger (no fund f1)
      '发钱,f1,2024-03-03,x,,,,,,1.00,,,,,,,,,,,,', // row 6: unknown operation
      '单位登记,,,ent,企业甲,企业,150121,土默特左旗,91150121MA0FT9001X,,,,,,,,,,,,,', // row 7: bad check character
    ];
    const report = await importLedgerFile(ledger, store, 'bad.csv', Buffer.from(header + rows.join('\r\n')), { actor: ACTOR });
    expect(report.ok).toBe(false);
    expect(report.applied).toBe(0);
    expect(report.errors.map((error) => error.row)).toEqual([3, 4, 5, 6, 7]);
    expect(report.errors.find((error) => error.row === 3)!.reason_zh).toContain('业务日期');
    expect(report.errors.find((error) => error.row === 4)!.reason_en).toContain('more than two decimals');
    expect(report.errors.find((error) => error.row === 5)!.reason_en).toMatch(/fund f1 does not exist/);
    expect(report.errors.find((error) => error.row === 6)!.reason_zh).toContain('发钱');
    expect(report.errors.find((error) => error.row === 7)!.column).toBe('统一社会信用代码 creditCode');
    // nothing half-imported: not even the good holder of row 2
    expect(await store.headPosition()).toBe(0);
  });

  it('an overdraft found in the dry run stops the whole file before anything is written', async () => {
    const template = (await writeTemplate('csv')).toString('utf8');
    const overdraft = template.replace('兑现,example-2024,2024-06-10,p-1,,,,,,300000.00', '兑现,example-2024,2024-06-10,p-1,,,,,,900000.00');
    const report = await importLedgerFile(ledger, store, 'o.csv', Buffer.from(overdraft), { actor: ACTOR });
    expect(report.ok).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].row).toBe(13);
    expect(report.errors[0].reason_en).toMatch(/beyond its approved|holds/);
    expect(await readWholeLog(store)).toEqual([]);
  });

  it('a large file shows its progress and imports in one go', async () => {
    const header = (await writeTemplate('csv', { examples: false })).toString('utf8');
    const lines = [
      '单位登记,,,city,市财政局,市财政局,,,,,,,,,,,,,,,,',
      '单位登记,,,county,县财政局,旗县区财政局,150121,土默特左旗,,,,,,,,,,,,,,',
      '设立资金,big,2024-01-02,,大额资金,,,,,100000000.00,,city,,,,,2024,,,,,',
      '指标下达,big,2024-01-03,a1,,,,,,100000000.00,大额〔2024〕1号,,,,,大额,,,,,,',
    ];
    for (let index = 1; index <= 1500; index++) lines.push(`拨付,big,2024-02-01,t${index},,,,,,100.00,,city,county,,,,,,,,,`);
    const seen: number[] = [];
    const report = await importLedgerFile(ledger, store, 'big.csv', Buffer.from(header + lines.join('\n')), { actor: ACTOR, onProgress: (phase, done) => phase === 'append' && seen.push(done) });
    expect(report).toMatchObject({ ok: true, applied: 1504 });
    expect(seen.at(-1)).toBe(1504);
  }, 60_000);
});

describe('import: no row is ever dropped without a word', () => {
  it('a project without its enterprise, a fund without its city bureau: each is an error with its row', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const header = (await writeTemplate('csv', { examples: false })).toString('utf8');
    const rows = ['设立资金,f1,2024-01-02,,资金,,,,,100.00,,,,,,,2024,,,,,', '项目登记,f1,2024-01-03,p1,项目,,,,,10.00,,,,,,方向,,1,评审类,,,'];
    const report = await importLedgerFile(new Ledger(store), store, 'x.csv', Buffer.from(header + rows.join('\n')), { actor: ACTOR });
    expect(report.errors.map((error) => [error.row, error.column])).toEqual([[2, '拨出单位 from'], [3, '接收单位 to']]);
    await store.close();
  });
});

/**
 * Importing an existing 台账 (ledger) into Fundtrail.
 *
 * 1. Read: every row with its row number (read-table.ts).
 * 2. Check each row on its own: the operation, the fields it needs, amounts (元, two decimals), dates, ids,
 *    credit codes — every problem of every row, with its row number.
 * 3. Check the rows together, in order, against the ledger as it is: a dry run of the same deciders the ledger
 *    uses, on copies of the current states (balances, allocations, projects), so that an overdraft, an unknown
 *    holder or a duplicate id is found before anything is written.
 * 4. Only if no row failed: append, row by row (a batch of payouts as one command).
 *
 * Each command's idempotency key and event ids are derived from its content (which includes its business id):
 * importing the same file again — or the same rows in a longer file — finds the keys already used and changes
 * nothing. The store has no transaction across streams, so if a concurrent writer makes a row fail while
 * appending (after the dry run passed), the rows before it stay; running the import again resumes after them.
 */
import {
  type FundCommand,
  type FundEvent,
  type FundState,
  type HolderRegistered,
  type HolderRegistryState,
  type Level,
  type RegisterHolder,
  type ReturnKind,
  type SupportCategory,
  COUNTY_CODE_PATTERN,
  LEVELS,
  LEVEL_NAMES,
  LedgerRefusal,
  MoneyFormatError,
  RETURN_KIND_NAMES,
  decideFund,
  decideRegisterHolder,
  evolveFund,
  evolveRegistry,
  initialFundState,
  initialRegistryState,
  isBusinessDate,
  isValidCreditCode,
  parsePositiveYuan,
} from '../../domain';
import { canonicalJson, sha256 } from '../../event-store/hash-chain';
import type { Actor, EventStore } from '../../event-store/event-store.port';
import type { Ledger } from '../../ledger/ledger';
import { applyRecorded } from '../../ledger/ledger';
import { uuidFromName } from '../../shared/ids';
import { readFundStream } from '../history';
import { HOLDERS_STREAM } from '../../domain';
import { type RawRow, type RawTable, readTable } from './read-table';
import { IMPORT_COLUMNS, IMPORT_OPS, type ImportColumnKey, type ImportOp, type ImportOpName } from './template';

export interface RowError {
  row: number;
  column?: string;
  reason_zh: string;
  reason_en: string;
}

export type PlannedCommand =
  | { rows: number[]; kind: 'holder'; command: RegisterHolder; key: string }
  | { rows: number[]; kind: 'fund'; fundId: string; command: FundCommand; key: string };

export interface ImportReport {
  file: string;
  format: 'csv' | 'xlsx';
  fileSha256: string;
  rows: number;
  commands: number;
  /** Commands whose key was already used: imported before, skipped. */
  alreadyImported: number;
  /** Commands appended by this run (0 on a dry run or when there are errors). */
  applied: number;
  eventsAppended: number;
  dryRun: boolean;
  ok: boolean;
  errors: RowError[];
  /** More errors were found than are listed. */
  errorsTruncated: boolean;
  unknownHeaders: string[];
}

export const ERRORS_MAX = 1_000;

export interface ImportOptions {
  actor: Actor;
  dryRun?: boolean;
  onProgress?: (phase: 'check' | 'append', done: number, total: number) => void;
}

export async function importLedgerFile(ledger: Ledger, store: EventStore, filename: string, content: Buffer, options: ImportOptions): Promise<ImportReport> {
  const table = await readTable(filename, content);
  return importTable(ledger, store, filename, sha256(content.toString('base64')), table, options);
}

export async function importTable(ledger: Ledger, store: EventStore, file: string, fileSha256: string, table: RawTable, options: ImportOptions): Promise<ImportReport> {
  const errors: RowError[] = [];
  const report = (): ImportReport => ({
    file,
    format: table.format,
    fileSha256,
    rows: table.rows.length,
    commands: planned.length,
    alreadyImported,
    applied,
    eventsAppended,
    dryRun: Boolean(options.dryRun),
    ok: errors.length === 0,
    errors: errors.slice(0, ERRORS_MAX),
    errorsTruncated: errors.length > ERRORS_MAX,
    unknownHeaders: table.unknownHeaders,
  });
  let alreadyImported = 0;
  let applied = 0;
  let eventsAppended = 0;
  if (table.rows.length === 0) errors.push({ row: table.headerRow, reason_zh: '文件中没有数据行', reason_en: 'the file has no data rows' });

  // 2. each row on its own
  const planned = planCommands(table.rows, errors);

  // 3. the rows together, against the ledger as it is
  const pending: PlannedCommand[] = [];
  const dry = await DryRun.open(store);
  for (let index = 0; index < planned.length; index++) {
    const entry = planned[index];
    options.onProgress?.('check', index + 1, planned.length);
    if (await store.findIdempotency(entry.key)) {
      alreadyImported++;
      continue;
    }
    if (errors.some((error) => entry.rows.includes(error.row))) continue;
    try {
      await dry.decide(entry);
      pending.push(entry);
    } catch (error) {
      if (!(error instanceof LedgerRefusal)) throw error;
      errors.push({ row: entry.rows[0], reason_zh: error.reason_zh, reason_en: error.reason_en });
    }
  }
  errors.sort((a, b) => a.row - b.row);
  if (errors.length > 0 || options.dryRun) return report();

  // 4. append
  for (let index = 0; index < pending.length; index++) {
    const entry = pending[index];
    const context = { actor: options.actor, idempotencyKey: entry.key, eventIdFor: (event: FundEvent | HolderRegistered) => uuidFromName(`${entry.key}/${event.type}/${canonicalJson(event.data)}`) };
    try {
      const result = entry.kind === 'holder' ? await ledger.registerHolder(entry.command, context) : await ledger.executeFund(entry.fundId, entry.command, context);
      if (result.replayed) alreadyImported++;
      else {
        applied++;
        eventsAppended += result.events.length;
      }
    } catch (error) {
      if (!(error instanceof LedgerRefusal)) throw error;
      errors.push({ row: entry.rows[0], reason_zh: `写入时被拒绝（此前的行已写入，可修正后重新导入）：${error.reason_zh}`, reason_en: `refused while appending (the rows before it were written; fix it and import again): ${error.reason_en}` });
      break;
    }
    options.onProgress?.('append', index + 1, pending.length);
  }
  return report();
}

/** Copies of the ledger's states, on which the planned commands are decided without writing anything. */
class DryRun {
  private readonly funds = new Map<string, FundState>();
  private sequence = 0;

  private constructor(
    private readonly store: EventStore,
    private readonly registry: HolderRegistryState,
  ) {}

  static async open(store: EventStore): Promise<DryRun> {
    const registry = initialRegistryState();
    for (const event of await store.readStream(HOLDERS_STREAM)) evolveRegistry(registry, event as unknown as HolderRegistered, event.version);
    return new DryRun(store, registry);
  }

  async decide(entry: PlannedCommand): Promise<void> {
    if (entry.kind === 'holder') {
      const event = decideRegisterHolder(entry.command, this.registry);
      evolveRegistry(this.registry, event, this.registry.version + 1);
      return;
    }
    const state = await this.fund(entry.fundId);
    for (const decided of decideFund(entry.command, state, { holders: this.registry.holders })) {
      evolveFund(state, decided.event, `dry-run-${++this.sequence}`, decided.occurredAt, state.version + 1);
    }
  }

  private async fund(fundId: string): Promise<FundState> {
    let state = this.funds.get(fundId);
    if (!state) {
      state = initialFundState(fundId);
      for (const event of await readFundStream(this.store, fundId)) applyRecorded(state, event);
      this.funds.set(fundId, state);
    }
    return state;
  }
}

// ---------------------------------------------------------------------------------------------
// rows → commands

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const TEXT_MAX = 200;
const HEADER_OF = new Map<string, string>(IMPORT_COLUMNS.map((entry) => [entry.key, entry.header]));
const LEVEL_BY_NAME = new Map<string, Level>([...LEVELS.map((level) => [level, level] as [string, Level]), ...LEVELS.map((level) => [LEVEL_NAMES[level].zh, level] as [string, Level]), ['统筹', 'pool'], ['园区', 'park'], ['部门', 'department']]);
const RETURN_KIND_BY_NAME = new Map<string, ReturnKind>(
  (Object.entries(RETURN_KIND_NAMES) as Array<[ReturnKind, { zh: string; en: string }]>).flatMap(([kind, names]) => [[kind, kind], [names.zh, kind], [names.en, kind]] as Array<[string, ReturnKind]>),
);
const CATEGORY_BY_NAME = new Map<string, SupportCategory>([['评审类', 'review'], ['兑现类', 'fulfilment'], ['review', 'review'], ['fulfilment', 'fulfilment']]);

class RowReader {
  constructor(
    private readonly row: RawRow,
    private readonly errors: RowError[],
    private readonly required: ReadonlySet<string>,
  ) {}

  private fail(key: string, zh: string, en: string): undefined {
    this.errors.push({ row: this.row.rowNumber, column: HEADER_OF.get(key), reason_zh: `${HEADER_OF.get(key)}：${zh}`, reason_en: `${HEADER_OF.get(key)}: ${en}` });
    return undefined;
  }

  text(key: ImportColumnKey, max = TEXT_MAX): string | undefined {
    const value = this.row.cells[key];
    if (value === undefined) return this.required.has(key) ? this.fail(key, '必填', 'required') : undefined;
    if (value.length > max) return this.fail(key, `不能超过 ${max} 个字符`, `at most ${max} characters`);
    return value;
  }

  id(key: ImportColumnKey): string | undefined {
    const value = this.text(key);
    if (value !== undefined && !ID_PATTERN.test(value)) return this.fail(key, `“${value}”不是有效编号（1–80 个字母、数字或 . _ : -）`, `"${value}" is not an id (1–80 letters, digits, . _ : -)`);
    return value;
  }

  amount(key: ImportColumnKey): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    try {
      return parsePositiveYuan(value.replace(/,/g, '').replace(/元$/, ''));
    } catch (error) {
      if (error instanceof MoneyFormatError) return this.fail(key, error.reason_zh, error.reason_en);
      throw error;
    }
  }

  date(key: ImportColumnKey): string | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const normalized = value.replace(/[/.]/g, '-').replace(/^(\d{4})-(\d)-/, '$1-0$2-').replace(/-(\d)$/, '-0$1');
    if (!isBusinessDate(normalized)) return this.fail(key, `“${value}”不是有效日期（YYYY-MM-DD）`, `"${value}" is not a calendar date (YYYY-MM-DD)`);
    return normalized;
  }

  integer(key: ImportColumnKey, min: number, max: number): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) return this.fail(key, `须为 ${min}–${max} 的整数`, `must be a whole number from ${min} to ${max}`);
    return number;
  }

  choice<T>(key: ImportColumnKey, options: ReadonlyMap<string, T>, names: string): T | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const chosen = options.get(value);
    if (chosen === undefined) return this.fail(key, `“${value}”无效，应为：${names}`, `"${value}" is not one of: ${names}`);
    return chosen;
  }

  county(): { code: string; name: string } | undefined {
    const code = this.text('countyCode');
    const name = this.text('countyName');
    if (code === undefined && name === undefined) return undefined;
    if (code === undefined || !COUNTY_CODE_PATTERN.test(code)) return this.fail('countyCode', '须为6位行政区划代码，并与旗县区名称同填', 'must be a 6-digit division code, given with the county name');
    if (name === undefined) return this.fail('countyName', '填写旗县区代码时须同时填写名称', 'required with the county code');
    return { code, name };
  }
}

function planCommands(rows: RawRow[], errors: RowError[]): PlannedCommand[] {
  const planned: PlannedCommand[] = [];
  const batches = new Map<string, Extract<PlannedCommand, { kind: 'fund' }>>();
  for (const row of rows) {
    const opName = row.cells.op;
    const op = opName ? IMPORT_OPS[opName as ImportOpName] : undefined;
    if (!op) {
      errors.push({ row: row.rowNumber, column: HEADER_OF.get('op'), reason_zh: `操作“${opName ?? ''}”无效，应为：${Object.keys(IMPORT_OPS).join('、')}`, reason_en: `operation "${opName ?? ''}" is not one of: ${Object.keys(IMPORT_OPS).join(', ')}` });
      continue;
    }
    const required = new Set(IMPORT_COLUMNS.filter((entry) => (entry.requiredFor as readonly ImportOp[]).includes(op)).map((entry) => entry.key as string));
    const before = errors.length;
    const read = new RowReader(row, errors, required);
    const command = commandOf(op, read);
    if (errors.length > before) continue;
    if (!command) {
      // every missing field is reported above; this only guards against a row being dropped without a word
      errors.push({ row: row.rowNumber, reason_zh: '本行缺少必要字段', reason_en: 'the row lacks fields its operation needs' });
      continue;
    }
    if (command.kind === 'holder') {
      planned.push({ rows: [row.rowNumber], kind: 'holder', command: command.command, key: keyOf(command) });
      continue;
    }
    const batchId = read.text('payoutBatch');
    if (command.command.kind === 'MakePayouts' && batchId) {
      const batchKey = `${command.fundId}|${command.command.occurredAt}|${batchId}`;
      const batch = batches.get(batchKey);
      if (batch && batch.command.kind === 'MakePayouts') {
        batch.command.items.push(...command.command.items);
        batch.rows.push(row.rowNumber);
        continue;
      }
      const entry = { rows: [row.rowNumber], kind: 'fund' as const, fundId: command.fundId, command: { ...command.command, batchId }, key: '' };
      batches.set(batchKey, entry);
      planned.push(entry);
      continue;
    }
    planned.push({ rows: [row.rowNumber], kind: 'fund', fundId: command.fundId, command: command.command, key: keyOf(command) });
  }
  for (const entry of batches.values()) entry.key = keyOf({ kind: 'fund', fundId: entry.fundId, command: entry.command });
  return planned;
}

function keyOf(entry: { kind: 'holder'; command: RegisterHolder } | { kind: 'fund'; fundId: string; command: FundCommand }): string {
  return `import:${sha256(canonicalJson(entry)).slice(0, 40)}`;
}

function commandOf(op: ImportOp, read: RowReader): { kind: 'holder'; command: RegisterHolder } | { kind: 'fund'; fundId: string; command: FundCommand } | undefined {
  if (op === 'register-holder') {
    const holderId = read.id('id');
    const name = read.text('name');
    const level = read.choice('level', LEVEL_BY_NAME, '市财政局、旗县区财政局、主管部门、园区管委会、企业、统筹资金');
    const county = read.county();
    const creditCode = read.text('creditCode', 18);
    if (creditCode !== undefined && !isValidCreditCode(creditCode.toUpperCase())) {
      read.choice('creditCode', new Map(), '18位统一社会信用代码（校验位按 GB 32100-2015） / an 18-character credit code with a valid check character');
    }
    if (!holderId || !name || !level) return undefined;
    return {
      kind: 'holder',
      command: { kind: 'RegisterHolder', holderId, name, level, ...(county ? { county } : {}), ...(creditCode ? { creditCode: creditCode.toUpperCase() } : {}) },
    };
  }
  const fundId = read.id('fund');
  const occurredAt = read.date('date');
  const document = read.text('document');
  const doc = document ? { document } : {};
  let command: FundCommand | undefined;
  switch (op) {
    case 'appropriate': {
      const name = read.text('name');
      const budgetFen = read.amount('amount');
      const cityFinanceHolderId = read.id('from');
      const fiscalYear = read.integer('year', 1990, 2100);
      if (fundId && name && budgetFen && cityFinanceHolderId && fiscalYear && occurredAt) command = { kind: 'AppropriateFund', fundId, name, fiscalYear, budgetFen, cityFinanceHolderId, occurredAt, ...doc };
      break;
    }
    case 'allocate': {
      const allocationId = read.id('id');
      const amountFen = read.amount('amount');
      const direction = read.text('direction');
      if (allocationId && amountFen && direction && document && occurredAt) command = { kind: 'IssueAllocation', allocationId, document, amountFen, direction, occurredAt };
      break;
    }
    case 'register-project': {
      const projectId = read.id('id');
      const name = read.text('name');
      const enterpriseHolderId = read.id('to');
      const approvedFen = read.amount('amount');
      const direction = read.text('direction');
      const batch = read.integer('batch', 1, 1000);
      const category = read.choice('category', CATEGORY_BY_NAME, '评审类、兑现类');
      const county = read.county();
      if (projectId && name && enterpriseHolderId && approvedFen && direction && batch && category && occurredAt) {
        command = { kind: 'RegisterProject', projectId, name, enterpriseHolderId, approvedFen, direction, batch, category, occurredAt, ...(county ? { county } : {}), ...doc };
      }
      break;
    }
    case 'send': {
      const transferId = read.id('id');
      const fromHolderId = read.id('from');
      const toHolderId = read.id('to');
      const amountFen = read.amount('amount');
      const projectId = read.id('project');
      const allocationId = read.id('allocation');
      if (transferId && fromHolderId && toHolderId && amountFen && occurredAt) {
        command = { kind: 'SendTransfer', transferId, fromHolderId, toHolderId, amountFen, occurredAt, ...doc, ...(projectId ? { projectId } : {}), ...(allocationId ? { allocationId } : {}) };
      }
      break;
    }
    case 'receive': {
      const transferId = read.id('id');
      if (transferId && occurredAt) command = { kind: 'ReceiveTransfer', transferId, occurredAt };
      break;
    }
    case 'payout': {
      const payoutId = read.id('id');
      const fromHolderId = read.id('from');
      const projectId = read.id('project');
      const amountFen = read.amount('amount');
      const allocationId = read.id('allocation');
      if (payoutId && fromHolderId && projectId && amountFen && occurredAt) {
        command = { kind: 'MakePayouts', occurredAt, items: [{ payoutId, fromHolderId, projectId, amountFen, ...doc, ...(allocationId ? { allocationId } : {}) }] };
      }
      break;
    }
    case 'return': {
      const returnId = read.id('id');
      const fromHolderId = read.id('from');
      const toHolderId = read.id('to');
      const amountFen = read.amount('amount');
      const returnKind = read.choice('returnKind', RETURN_KIND_BY_NAME, '退回、收回、结余收回统筹');
      const reason = read.text('note');
      if (returnId && fromHolderId && toHolderId && amountFen && returnKind && reason && occurredAt) {
        command = { kind: 'ReturnFunds', returnId, fromHolderId, toHolderId, amountFen, returnKind, reason, occurredAt, ...doc };
      }
      break;
    }
  }
  if (!command || !fundId) return undefined;
  return { kind: 'fund', fundId, command };
}

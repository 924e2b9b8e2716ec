/**
 * The 台账 import template: one row per ledger operation, in the order they happened. Documented in
 * docs/import-template.md; `fundtrail import template` writes it as XLSX or CSV with example rows.
 */
import { type Column, type Sheet, writeSheets } from '../tabular';

export const IMPORT_OPS = {
  单位登记: 'register-holder',
  设立资金: 'appropriate',
  指标下达: 'allocate',
  项目登记: 'register-project',
  拨付: 'send',
  到账: 'receive',
  兑现: 'payout',
  退回: 'return',
} as const;
export type ImportOpName = keyof typeof IMPORT_OPS;
export type ImportOp = (typeof IMPORT_OPS)[ImportOpName];

export interface ImportColumn {
  key: string;
  zh: string;
  header: string;
  /** The operations that need it. */
  requiredFor: ImportOp[];
  meaning: string;
  example: string;
}

const column = (key: string, zh: string, requiredFor: ImportOp[], meaning: string, example: string): ImportColumn => ({ key, zh, header: `${zh} ${key}`, requiredFor, meaning, example });
const ALL_FUND_OPS: ImportOp[] = ['appropriate', 'allocate', 'register-project', 'send', 'receive', 'payout', 'return'];

export const IMPORT_COLUMNS = [
  column('op', '操作', [...ALL_FUND_OPS, 'register-holder'], '单位登记、设立资金、指标下达、项目登记、拨付、到账、兑现、退回 之一', '拨付'),
  column('fund', '资金编号', ALL_FUND_OPS, '专项资金编号（字母、数字、. _ : -）', 'hohhot-2024-industrial'),
  column('date', '业务日期', ALL_FUND_OPS, '业务发生日期（文件上的日期），YYYY-MM-DD', '2024-04-12'),
  column('id', '编号', ['register-holder', 'allocate', 'register-project', 'send', 'receive', 'payout', 'return'], '本行业务的编号：单位编号、指标编号、项目编号、拨付编号（到账行填所到账的拨付编号）、兑现编号、退回编号；同一资金内不重复', 't-0001'),
  column('name', '名称', ['register-holder', 'appropriate', 'register-project'], '单位名称、资金名称或项目名称', '土默特左旗财政局'),
  column('level', '层级', ['register-holder'], '市财政局、旗县区财政局、主管部门、园区管委会、企业、统筹资金（或 city-finance、county-finance、department、park、enterprise、pool）', '旗县区财政局'),
  column('countyCode', '旗县区代码', [], '6位行政区划代码；旗县区财政局必填，企业建议填写', '150121'),
  column('countyName', '旗县区', [], '旗县区名称，与代码同填', '土默特左旗'),
  column('creditCode', '统一社会信用代码', [], '企业必填，18位，校验位按 GB 32100-2015', '91150121MA0FT9001Q'),
  column('amount', '金额（元）', ['appropriate', 'allocate', 'register-project', 'send', 'payout', 'return'], '以元为单位，最多两位小数；预算、指标、核定金额、拨付、兑现、退回金额', '2651800.00'),
  column('document', '文号', ['allocate'], '文件文号，如 呼财工指〔2022〕28号；指标下达必填', '呼财工指〔2024〕11号'),
  column('from', '拨出单位', ['appropriate', 'send', 'payout', 'return'], '拨出（退回时为退出）单位编号；设立资金时为市财政局编号', 'hhht-finance'),
  column('to', '接收单位', ['register-project', 'send', 'return'], '接收单位编号；项目登记时为企业编号', 'cf-150121'),
  column('project', '项目编号', ['payout'], '兑现对应的项目编号；拨付可选填', 'proj-0001'),
  column('allocation', '指标编号', [], '市财政局拨出的资金所动用的指标编号（建议填写）；兑现可选填', 'alloc-11'),
  column('direction', '支持方向', ['allocate', 'register-project'], '指标的资金方向，或项目的支持方向', '技术装备首台（套）、关键零部件首批次'),
  column('year', '年度', ['appropriate'], '资金所属年度', '2024'),
  column('batch', '批次', ['register-project'], '项目批次（正整数）', '1'),
  column('category', '类别', ['register-project'], '评审类 或 兑现类', '评审类'),
  column('returnKind', '退回类型', ['return'], '退回、收回、结余收回统筹', '退回'),
  column('payoutBatch', '批号', [], '同一资金、同一日期、同一批号的兑现行作为一批（全部成功或全部不做）', 'batch-0001'),
  column('note', '说明', ['return'], '退回原因（退回必填）、备注', '项目撤销，资金退回'),
] as const satisfies readonly ImportColumn[];

export type ImportColumnKey = (typeof IMPORT_COLUMNS)[number]['key'];

/** A small fund, written in template rows: what the example rows of the template show. */
export const TEMPLATE_EXAMPLE: Array<Partial<Record<ImportColumnKey, string>>> = [
  { op: '单位登记', id: 'ex-city', name: '示例市财政局', level: '市财政局' },
  { op: '单位登记', id: 'ex-county', name: '示例县财政局', level: '旗县区财政局', countyCode: '150121', countyName: '土默特左旗' },
  { op: '单位登记', id: 'ex-bureau', name: '示例县工业和信息化局', level: '主管部门', countyCode: '150121', countyName: '土默特左旗' },
  { op: '单位登记', id: 'ex-ent', name: '示例装备制造有限公司', level: '企业', countyCode: '150121', countyName: '土默特左旗', creditCode: '91150121MA0FT9001Q' },
  { op: '设立资金', fund: 'example-2024', date: '2024-02-20', name: '2024年示例专项资金', amount: '5000000.00', from: 'ex-city', year: '2024' },
  { op: '指标下达', fund: 'example-2024', date: '2024-03-25', id: 'alloc-1', amount: '3000000.00', document: '示财工指〔2024〕1号', direction: '第一批工业项目' },
  { op: '项目登记', fund: 'example-2024', date: '2024-03-25', id: 'proj-1', name: '智能装备首台（套）', to: 'ex-ent', amount: '500000.00', direction: '技术装备首台（套）、关键零部件首批次', batch: '1', category: '评审类', document: '示财工指〔2024〕1号' },
  { op: '拨付', fund: 'example-2024', date: '2024-04-12', id: 't-1', from: 'ex-city', to: 'ex-county', amount: '3000000.00', allocation: 'alloc-1', document: '示财工指〔2024〕1号' },
  { op: '到账', fund: 'example-2024', date: '2024-04-19', id: 't-1' },
  { op: '拨付', fund: 'example-2024', date: '2024-05-06', id: 't-2', from: 'ex-county', to: 'ex-bureau', amount: '500000.00', document: '示财工指〔2024〕1号' },
  { op: '到账', fund: 'example-2024', date: '2024-05-08', id: 't-2' },
  { op: '兑现', fund: 'example-2024', date: '2024-06-10', id: 'p-1', from: 'ex-bureau', project: 'proj-1', amount: '300000.00', document: '示财工指〔2024〕1号', payoutBatch: 'b-1' },
  { op: '退回', fund: 'example-2024', date: '2024-07-01', id: 'r-1', from: 'ex-bureau', to: 'ex-county', amount: '100000.00', returnKind: '退回', note: '多拨部分退回县财政' },
];

export function templateSheets(options: { examples?: boolean } = {}): Sheet[] {
  const columns: Column[] = IMPORT_COLUMNS.map((entry) => ({ header: entry.header, key: entry.key, kind: 'text', width: Math.max(12, entry.zh.length * 2 + 6) }));
  return [
    { name: '台账 ledger', columns, rows: options.examples === false ? [] : TEMPLATE_EXAMPLE.map((row) => ({ ...row })) },
    {
      name: '说明 columns',
      caption: ['每行一笔业务，按发生顺序填写；表头行须保留。 One row per operation, in the order they happened; keep the header row.'],
      columns: [
        { header: '列 column', key: 'header', kind: 'text', width: 24 },
        { header: '必填于 required for', key: 'required', kind: 'text', width: 40 },
        { header: '含义 meaning', key: 'meaning', kind: 'text', width: 80 },
        { header: '示例 example', key: 'example', kind: 'text', width: 34 },
      ],
      rows: IMPORT_COLUMNS.map((entry) => ({
        header: entry.header,
        required: opNames(entry.requiredFor),
        meaning: entry.meaning,
        example: entry.example,
      })),
    },
  ];
}

export function opNames(ops: readonly ImportOp[]): string {
  return (Object.entries(IMPORT_OPS) as Array<[ImportOpName, ImportOp]>)
    .filter(([, op]) => ops.includes(op))
    .map(([name]) => name)
    .join('、');
}

/** The template file: XLSX with the 台账 sheet and the column notes; CSV with the 台账 sheet only. */
export function writeTemplate(format: 'xlsx' | 'csv', options: { examples?: boolean } = {}): Promise<Buffer> {
  const sheets = templateSheets(options);
  return writeSheets(format, format === 'csv' ? [{ ...sheets[0], caption: undefined }] : sheets);
}

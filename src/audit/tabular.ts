/**
 * Tables an auditor takes away: one model (titled columns with a kind, rows of values) written as a real
 * Excel workbook (exceljs: Chinese headers, amounts as numbers in 元 with a 元 number format, dates as text
 * "YYYY-MM-DD" so that no locale turns them into something else) or as CSV (UTF-8 with a BOM, so that Excel
 * opens Chinese correctly; amounts as plain decimals of 元).
 */
import ExcelJS from 'exceljs';
import { formatYuan } from '../domain';

export type ColumnKind = 'text' | 'yuan' | 'int' | 'percent' | 'date';

export interface Column {
  /** Chinese header first, English after a space: "金额（元） amount". */
  header: string;
  key: string;
  kind: ColumnKind;
  width?: number;
}

export type Cell = string | number | boolean | null | undefined;

export interface Sheet {
  name: string;
  /** Lines above the table (title, scope, formula); empty for plain tables. */
  caption?: string[];
  columns: Column[];
  /** Amounts (`yuan` columns) are integer fen; percents are strings like "18.09" or numbers. */
  rows: Array<Record<string, Cell>>;
}

/** 1,234,567.89元 — Excel shows the number with grouping and the unit, the cell stays a number. */
export const YUAN_FORMAT = '#,##0.00"元"';
export const PERCENT_FORMAT = '0.00"%"';

export async function writeXlsx(sheets: Sheet[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Fundtrail 专项资金追踪账本';
  workbook.created = new Date(0);
  const used = new Set<string>();
  for (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(uniqueSheetName(sheet.name, used));
    for (const line of sheet.caption ?? []) worksheet.addRow([line]).font = { bold: worksheet.rowCount === 0 };
    if (sheet.caption?.length) worksheet.addRow([]);
    const headerRow = worksheet.addRow(sheet.columns.map((column) => column.header));
    headerRow.font = { bold: true };
    headerRow.eachCell((cell) => {
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
      cell.border = { bottom: { style: 'thin' } };
    });
    const headerIndex = headerRow.number;
    for (const row of sheet.rows) {
      worksheet.addRow(sheet.columns.map((column) => xlsxValue(column, row[column.key])));
    }
    sheet.columns.forEach((column, index) => {
      const excelColumn = worksheet.getColumn(index + 1);
      excelColumn.width = column.width ?? defaultWidth(column);
      if (column.kind === 'yuan') excelColumn.numFmt = YUAN_FORMAT;
      if (column.kind === 'percent') excelColumn.numFmt = PERCENT_FORMAT;
      if (column.kind === 'int') excelColumn.numFmt = '0';
    });
    // caption and header cells keep the General format
    for (let rowNumber = 1; rowNumber <= headerIndex; rowNumber++) worksheet.getRow(rowNumber).eachCell((cell) => (cell.numFmt = 'General'));
    worksheet.views = [{ state: 'frozen', ySplit: headerIndex }];
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function xlsxValue(column: Column, value: Cell): ExcelJS.CellValue {
  if (value === undefined || value === null) return null;
  switch (column.kind) {
    case 'yuan':
      // fen → 元 as a number: exact to the fen for every amount below 2^53 fen
      return typeof value === 'number' ? value / 100 : Number(value);
    case 'percent':
      return value === '' || value === 'n/a' ? null : Number(String(value).replace('%', ''));
    case 'int':
      return Number(value);
    default:
      return typeof value === 'boolean' ? (value ? '是' : '否') : String(value);
  }
}

function defaultWidth(column: Column): number {
  if (column.kind === 'yuan') return 18;
  if (column.kind === 'date') return 12;
  if (column.kind === 'int' || column.kind === 'percent') return 10;
  return Math.min(40, Math.max(12, column.header.length * 2));
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ], unique in the workbook. */
function uniqueSheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 28) || 'Sheet';
  let candidate = base;
  for (let index = 2; used.has(candidate); index++) candidate = `${base}(${index})`;
  used.add(candidate);
  return candidate;
}

export const BOM = '\uFEFF';

/** CSV, RFC 4180, UTF-8 with a BOM; several sheets are written one after another, separated by an empty line. */
export function writeCsv(sheets: Sheet[]): Buffer {
  const lines: string[] = [];
  sheets.forEach((sheet, index) => {
    if (index > 0) lines.push('');
    if (sheets.length > 1 || sheet.caption?.length) {
      for (const line of sheet.caption?.length ? sheet.caption : [sheet.name]) lines.push(csvLine([line]));
    }
    lines.push(csvLine(sheet.columns.map((column) => column.header)));
    for (const row of sheet.rows) lines.push(csvLine(sheet.columns.map((column) => csvValue(column, row[column.key]))));
  });
  return Buffer.from(BOM + lines.join('\r\n') + '\r\n', 'utf8');
}

function csvValue(column: Column, value: Cell): string {
  if (value === undefined || value === null) return '';
  if (column.kind === 'yuan') return typeof value === 'number' ? formatYuan(value) : String(value);
  if (typeof value === 'boolean') return value ? '是' : '否';
  return String(value);
}

export function csvLine(cells: string[]): string {
  return cells.map((cell) => (/[",\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',');
}

export type ExportFormat = 'xlsx' | 'csv';

export async function writeSheets(format: ExportFormat, sheets: Sheet[]): Promise<Buffer> {
  return format === 'xlsx' ? writeXlsx(sheets) : writeCsv(sheets);
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

/**
 * Reads a 台账 file into rows of text cells keyed by template column, each with its row number in the file
 * (the number Excel shows; the header is row 1 unless captions come first). CSV: RFC 4180, UTF-8 with or
 * without a BOM, comma or tab separated. XLSX: the first worksheet (or the one named 台账).
 */
import ExcelJS from 'exceljs';
import { formatYuan } from '../../domain';
import { IMPORT_COLUMNS, type ImportColumnKey } from './template';

export interface RawRow {
  rowNumber: number;
  cells: Partial<Record<ImportColumnKey, string>>;
}

export interface RawTable {
  format: 'csv' | 'xlsx';
  headerRow: number;
  rows: RawRow[];
  /** Headers that name no template column (reported, not fatal). */
  unknownHeaders: string[];
}

export class TableFormatError extends Error {
  constructor(
    public readonly reason_zh: string,
    public readonly reason_en: string,
  ) {
    super(`${reason_en} (${reason_zh})`);
    this.name = 'TableFormatError';
  }
}

/** The largest file the importer reads: far above a city's yearly 台账, far below what a 2-core machine chokes on. */
export const IMPORT_ROWS_MAX = 200_000;

export function detectFormat(filename: string, content: Buffer): 'csv' | 'xlsx' {
  if (content.length >= 2 && content[0] === 0x50 && content[1] === 0x4b) return 'xlsx'; // "PK": a zip, so an xlsx
  if (/\.xlsx$/i.test(filename)) throw new TableFormatError('文件扩展名为 .xlsx 但内容不是 Excel 工作簿', 'the file is named .xlsx but is not an Excel workbook');
  return 'csv';
}

export async function readTable(filename: string, content: Buffer): Promise<RawTable> {
  const format = detectFormat(filename, content);
  const grid = format === 'xlsx' ? await xlsxGrid(content) : csvGrid(content.toString('utf8'));
  return toTable(format, grid);
}

const HEADER_ALIASES = new Map<string, ImportColumnKey>();
for (const column of IMPORT_COLUMNS) {
  for (const alias of [column.header, column.zh, column.key, column.header.replace(/\s+/g, '')]) HEADER_ALIASES.set(normalizeHeader(alias), column.key);
}
function normalizeHeader(text: string): string {
  return text.replace(/[\s*＊]/g, '').replace(/（/g, '(').replace(/）/g, ')').toLowerCase();
}

function toTable(format: 'csv' | 'xlsx', grid: Array<{ rowNumber: number; cells: string[] }>): RawTable {
  const headerIndex = grid.findIndex((row) => row.cells.some((cell) => HEADER_ALIASES.get(normalizeHeader(cell)) === 'op'));
  if (headerIndex < 0) throw new TableFormatError('找不到表头行：表头须包含“操作”列（见 docs/import-template.md）', 'no header row: it must have the column “操作 op” (see docs/import-template.md)');
  const header = grid[headerIndex];
  const keys = header.cells.map((cell) => HEADER_ALIASES.get(normalizeHeader(cell)));
  const unknownHeaders = header.cells.filter((cell, index) => cell.trim() !== '' && !keys[index]);
  const rows: RawRow[] = [];
  for (const row of grid.slice(headerIndex + 1)) {
    if (row.cells.every((cell) => cell.trim() === '')) continue;
    if (rows.length >= IMPORT_ROWS_MAX) throw new TableFormatError(`超过 ${IMPORT_ROWS_MAX} 行，请拆分文件`, `more than ${IMPORT_ROWS_MAX} rows: split the file`);
    const cells: RawRow['cells'] = {};
    row.cells.forEach((cell, index) => {
      const key = keys[index];
      if (key && cell.trim() !== '') cells[key] = cell.trim();
    });
    rows.push({ rowNumber: row.rowNumber, cells });
  }
  return { format, headerRow: header.rowNumber, rows, unknownHeaders };
}

// ---------------------------------------------------------------------------------------------
// CSV

export function csvGrid(text: string): Array<{ rowNumber: number; cells: string[] }> {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = source.slice(0, source.indexOf('\n') >= 0 ? source.indexOf('\n') : source.length);
  const separator = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const rows: Array<{ rowNumber: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (quoted) {
      if (character === '"') {
        if (source[index + 1] === '"') {
          cell += '"';
          index++;
        } else quoted = false;
      } else {
        if (character === '\n') line++;
        cell += character;
      }
      continue;
    }
    if (character === '"' && cell === '') quoted = true;
    else if (character === separator) {
      cells.push(cell);
      cell = '';
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && source[index + 1] === '\n') index++;
      cells.push(cell);
      rows.push({ rowNumber: rowStart, cells });
      cells = [];
      cell = '';
      line++;
      rowStart = line;
    } else cell += character;
  }
  if (quoted) throw new TableFormatError(`第 ${rowStart} 行的引号没有闭合`, `an unclosed quote starts on row ${rowStart}`);
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ rowNumber: rowStart, cells });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// XLSX

async function xlsxGrid(content: Buffer): Promise<Array<{ rowNumber: number; cells: string[] }>> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ArrayBuffer);
  } catch (error) {
    throw new TableFormatError(`无法读取 Excel 文件：${(error as Error).message}`, `cannot read the Excel file: ${(error as Error).message}`);
  }
  const worksheet = workbook.worksheets.find((sheet) => sheet.name.includes('台账')) ?? workbook.worksheets[0];
  if (!worksheet) throw new TableFormatError('Excel 文件中没有工作表', 'the workbook has no worksheet');
  const grid: Array<{ rowNumber: number; cells: string[] }> = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let column = 1; column <= row.cellCount; column++) cells.push(cellText(row.getCell(column)));
    grid.push({ rowNumber, cells });
  });
  return grid;
}

function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) {
      const result = (value as { result?: unknown }).result;
      if (result instanceof Date) return result.toISOString().slice(0, 10);
      if (typeof result === 'number') return numberText(result);
      return result === undefined || result === null ? '' : String(result);
    }
  }
  return String(value);
}

/** Numbers as Excel holds them (floats): amounts are kept to the fen when they have at most two decimals. */
function numberText(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const fen = Math.round(value * 100);
  if (Math.abs(fen - value * 100) < 1e-6 && Number.isSafeInteger(fen) && fen >= 0) return formatYuan(fen);
  return String(value);
}

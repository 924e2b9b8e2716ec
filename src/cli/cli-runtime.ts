import { createRuntime, type Runtime } from '../app/runtime';
import { loadConfig } from '../config';

/** Opens the runtime from the environment, runs `work`, closes it. */
export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(loadConfig());
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

export function printJsonOrTable(json: boolean, value: unknown, table: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${table()}\n`);
}

/** A plain text table; widths count CJK characters as two columns. */
export function renderTable(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => displayWidth(row[column] ?? ''))));
  const line = (row: string[]) => row.map((cell, column) => pad(cell, widths[column], /^-?[\d,.]+%?$/.test(cell))).join('  ');
  return [line(cells[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(character) ? 2 : 1;
  return width;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

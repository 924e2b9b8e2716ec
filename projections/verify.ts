/**
 * `verify`: rebuild every projection into a shadow copy (another SQLite file, or another PostgreSQL schema)
 * up to the live read model's checkpoint and compare the two, table by table, row by row.
 */
import type { EventStore } from '../src/event-store/event-store.port';
import type { Projection } from './projection';
import { ReadModel, type TableSpec } from './read-model';
import { PROJECTIONS } from './registry';
import { ProjectionRunner } from './runner';

export interface VerifyReport {
  position: number;
  tables: Array<{ table: string; liveRows: number; shadowRows: number; differences: number }>;
  /** The first differences found (at most DIFFERENCES_SHOWN_MAX). */
  differences: Array<{ table: string; key: string; live: unknown; shadow: unknown }>;
  ok: boolean;
}

export const DIFFERENCES_SHOWN_MAX = 20;

export async function verifyProjections(
  store: EventStore,
  live: ProjectionRunner,
  shadow: ReadModel,
  options: { projections?: readonly Projection[]; onProgress?(done: number, total: number): void } = {},
): Promise<VerifyReport> {
  const projections = options.projections ?? PROJECTIONS;
  await live.catchUp();
  const positions = await live.positions();
  const position = Math.min(...projections.map((projection) => positions.get(projection.name) ?? 0));
  const shadowRunner = new ProjectionRunner(store, shadow, projections);
  await shadowRunner.rebuild(undefined, { until: position, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const report: VerifyReport = { position, tables: [], differences: [], ok: true };
  for (const table of projections.flatMap((projection) => projection.tables)) {
    const [liveRows, shadowRows] = await Promise.all([rowsOf(live.db, table), rowsOf(shadow, table)]);
    let differences = 0;
    const keys = new Set([...liveRows.keys(), ...shadowRows.keys()]);
    for (const key of keys) {
      const a = liveRows.get(key);
      const b = shadowRows.get(key);
      if (a === b) continue;
      differences++;
      if (report.differences.length < DIFFERENCES_SHOWN_MAX) {
        report.differences.push({ table: table.name, key, live: a === undefined ? null : JSON.parse(a), shadow: b === undefined ? null : JSON.parse(b) });
      }
    }
    report.tables.push({ table: table.name, liveRows: liveRows.size, shadowRows: shadowRows.size, differences });
    if (differences > 0) report.ok = false;
  }
  await shadowRunner.close();
  return report;
}

/** Every row of a table as canonical JSON keyed by its primary key (numbers normalised across engines). */
export async function rowsOf(db: ReadModel, table: TableSpec): Promise<Map<string, string>> {
  const order = table.primary.map((column) => `"${column}"`).join(', ');
  const rows = await db.all<Record<string, unknown>>(`SELECT * FROM {${table.name}} ORDER BY ${order}`);
  const result = new Map<string, string>();
  for (const row of rows) {
    const canonical: Record<string, unknown> = {};
    for (const column of table.columns) {
      const value = row[column.name];
      canonical[column.name] = value === null || value === undefined ? null : column.type === 'text' ? String(value) : Number(value);
    }
    result.set(table.primary.map((column) => String(canonical[column])).join('|'), JSON.stringify(canonical));
  }
  return result;
}

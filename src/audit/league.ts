/**
 * The county league table (旗县区排名), for commendation and accountability: every county of a fund ranked
 * by execution rate, by median dwell time and by overdue money, as of a date or position. The figures
 * are the projections' (projections/queries.ts), so the table agrees with the execution and dwell views:
 *  - execution rate: paid to the county's enterprises ÷ money sent to the county's holders from outside it;
 *  - median dwell time: the amount-weighted median of the days each yuan sat at the county's finance bureau,
 *    departments and parks before it moved on (FIFO, the projections' `dwell_days` of each piece of money);
 *  - overdue money: what the county's holders hold at the cut for longer than OVERDUE_AFTER_DAYS (the default
 *    limit of the alert policy, src/alerts/domain/policy.ts), from the projections' aging buckets.
 */
import type { ProjectionService } from '../../projections';
import { AGING_BUCKETS } from '../../projections/queries';
import type { AsOf } from './replay';

/** The alert policy's default limit for an intermediate level (30 days: one monthly treasury cycle). */
export const OVERDUE_AFTER_DAYS = 30;
const INTERMEDIATE_LEVELS = ['county-finance', 'department', 'park'];

export interface LeagueRow {
  countyCode: string;
  countyName: string;
  paidFen: number;
  sentToCountyFen: number;
  /** Percent, two decimals; null when nothing was sent to the county. */
  executionRate: number | null;
  medianDwellDays: number | null;
  movedOnFen: number;
  heldFen: number;
  overdueFen: number;
  oldestHeldDays: number;
  rankByExecution: number;
  rankByDwell: number;
  rankByOverdue: number;
}

export interface LeagueTable {
  fundId: string;
  asOf: AsOf;
  agesCountedTo: string;
  overdueAfterDays: number;
  formulas: Record<'executionRate' | 'medianDwellDays' | 'overdue', { zh: string; en: string }>;
  rows: LeagueRow[];
}

interface ExecutionByCounty {
  byCounty: Array<{ countyCode: string; countyName: string; paidFen: number; sentToCountyFen: number }>;
}
interface DwellByCounty {
  agesCountedTo: string;
  held: { byCounty: Array<{ key: string; amountFen: number; oldestAgeDays: number; buckets: Record<string, number> }> };
}

export async function leagueTable(projections: ProjectionService, fundId: string, asOf: AsOf = {}): Promise<LeagueTable> {
  const cut = { ...(asOf.date ? { asOf: asOf.date } : {}), ...(asOf.position !== undefined ? { atPosition: asOf.position } : {}) };
  const execution = (await projections.query('execution', fundId, cut)) as ExecutionByCounty;
  const dwell = (await projections.query('dwell', fundId, cut)) as DwellByCounty;
  const db = await projections.db();
  const where = [asOf.date ? ' AND occurred_at <= ?' : '', asOf.position !== undefined ? ' AND position <= ?' : ''].join('');
  const params = [...(asOf.date ? [asOf.date] : []), ...(asOf.position !== undefined ? [asOf.position] : [])];
  const pieces = await db.all<{ county: string; days: number; fen: number }>(
    `SELECT from_county AS county, dwell_days AS days, SUM(amount_fen) AS fen FROM {pj_flow}
      WHERE fund_id = ? AND from_kind = 'holder' AND from_county IS NOT NULL AND dwell_days IS NOT NULL
        AND from_level IN (${INTERMEDIATE_LEVELS.map(() => '?').join(', ')})${where}
      GROUP BY from_county, dwell_days ORDER BY from_county, dwell_days`,
    [fundId, ...INTERMEDIATE_LEVELS, ...params],
  );
  const dwellByCounty = new Map<string, Array<{ days: number; fen: number }>>();
  for (const piece of pieces) {
    const list = dwellByCounty.get(String(piece.county)) ?? [];
    list.push({ days: Number(piece.days), fen: Number(piece.fen) });
    dwellByCounty.set(String(piece.county), list);
  }
  const overdueBuckets = AGING_BUCKETS.filter((bucket) => bucket.max > OVERDUE_AFTER_DAYS).map((bucket) => `${bucket.label}Fen`);
  const held = new Map(dwell.held.byCounty.map((entry) => [entry.key, entry]));
  const counties = new Map<string, string>();
  for (const row of execution.byCounty) if (row.countyCode !== '(none)') counties.set(row.countyCode, row.countyName);
  for (const key of [...held.keys(), ...dwellByCounty.keys()]) if (!counties.has(key)) counties.set(key, key);
  const rows = [...counties].map(([countyCode, countyName]): LeagueRow => {
    const exec = execution.byCounty.find((row) => row.countyCode === countyCode);
    const paidFen = exec?.paidFen ?? 0;
    const sentToCountyFen = exec?.sentToCountyFen ?? 0;
    const aging = held.get(countyCode);
    const moved = dwellByCounty.get(countyCode) ?? [];
    return {
      countyCode,
      countyName,
      paidFen,
      sentToCountyFen,
      executionRate: sentToCountyFen > 0 ? Math.round((paidFen * 10_000) / sentToCountyFen) / 100 : null,
      medianDwellDays: weightedMedian(moved),
      movedOnFen: moved.reduce((sum, piece) => sum + piece.fen, 0),
      heldFen: aging?.amountFen ?? 0,
      overdueFen: aging ? overdueBuckets.reduce((sum, bucket) => sum + (aging.buckets[bucket] ?? 0), 0) : 0,
      oldestHeldDays: aging?.oldestAgeDays ?? 0,
      rankByExecution: 0,
      rankByDwell: 0,
      rankByOverdue: 0,
    };
  });
  rank(rows, (row) => row.executionRate, 'desc', (row, value) => (row.rankByExecution = value));
  rank(rows, (row) => row.medianDwellDays, 'asc', (row, value) => (row.rankByDwell = value));
  rank(rows, (row) => row.overdueFen, 'asc', (row, value) => (row.rankByOverdue = value));
  rows.sort((a, b) => a.rankByExecution - b.rankByExecution || a.countyCode.localeCompare(b.countyCode));
  return {
    fundId,
    asOf,
    agesCountedTo: dwell.agesCountedTo,
    overdueAfterDays: OVERDUE_AFTER_DAYS,
    formulas: {
      executionRate: { zh: '本旗县区企业到账资金 ÷ 从外部拨入本旗县区各单位的资金（扣除冲正）', en: 'paid to the county’s enterprises ÷ money sent to the county’s holders from outside it (net of reversals)' },
      medianDwellDays: { zh: '资金在本旗县区财政局、主管部门、园区滞留天数的金额加权中位数（先进先出，仅计已拨出的资金）', en: 'amount-weighted median of the days money sat at the county’s finance bureau, departments and parks before moving on (FIFO; money that moved on)' },
      overdue: { zh: `本旗县区各单位截至时点持有超过 ${OVERDUE_AFTER_DAYS} 天的资金`, en: `money the county’s holders hold at the cut for more than ${OVERDUE_AFTER_DAYS} days` },
    },
    rows,
  };
}

/** The amount-weighted median: the days at which half of the money had moved on. */
export function weightedMedian(pieces: ReadonlyArray<{ days: number; fen: number }>): number | null {
  const total = pieces.reduce((sum, piece) => sum + piece.fen, 0);
  if (total <= 0) return null;
  const sorted = [...pieces].sort((a, b) => a.days - b.days);
  let cumulative = 0;
  for (const piece of sorted) {
    cumulative += piece.fen;
    if (cumulative * 2 >= total) return piece.days;
  }
  return sorted[sorted.length - 1].days;
}

/** Competition ranking (1, 2, 2, 4); rows without a value come last. */
function rank<T>(rows: T[], value: (row: T) => number | null, order: 'asc' | 'desc', set: (row: T, rank: number) => void): void {
  const sorted = [...rows].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
    return order === 'asc' ? x - y : y - x;
  });
  let previousRank = 0;
  sorted.forEach((row, index) => {
    const tied = index > 0 && value(sorted[index - 1]) === value(row);
    previousRank = tied ? previousRank : index + 1;
    set(row, previousRank);
  });
}

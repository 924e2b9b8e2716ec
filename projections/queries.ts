/**
 * The four questions, each answered by indexed SQL over the read model, live or "as of" a cut:
 * `asOf` (a business date: events whose occurredAt ≤ asOf) and/or `atPosition` (events at log positions ≤ N).
 *
 * Live answers read the open lots (`remaining_fen > 0`, a partial index); cut answers sum the flows up to the
 * cut and subtract from each lot what was taken from it up to the cut. Both give the same numbers at the head
 * (tests/projections/as-of.int.spec.ts), and a cut gives what a rebuild of the events up to it gives.
 *
 * Amounts are fen (`…Fen`) here; `present()` turns them into 元 strings at the edges.
 *
 * The statements of one answer are independent reads and are started together (`Promise.all`): on PostgreSQL they
 * run on separate pooled connections at once; on SQLite (synchronous) they run one after the other, as before.
 * Each is its own read either way (no snapshot spans the statements of an answer, on either engine).
 */
import { LEVEL_NAMES, type Level } from '../src/domain/holders';
import type { ReadModel, Row } from './read-model';
import { daysBetween } from './money/money-fold';
import { MOVE_TYPES, NOT_AT_ENTERPRISE } from './tables';

export interface Cut {
  /** Business date YYYY-MM-DD: only what happened on or before it. */
  asOf?: string;
  /** Log position: only events at positions ≤ it. */
  atPosition?: number;
  /** The date ages are counted to when no `asOf` is given (default: today, UTC). */
  today?: string;
}

export class FundNotFoundError extends Error {
  constructor(readonly fundId: string) {
    super(`fund ${fundId} not found (at this cut)`);
    this.name = 'FundNotFoundError';
  }
}

const isCut = (cut: Cut): boolean => cut.asOf !== undefined || cut.atPosition !== undefined;
const referenceDate = (cut: Cut): string => cut.asOf ?? cut.today ?? new Date().toISOString().slice(0, 10);

/** `AND occurred_at <= ? AND position <= ?` for the given alias. */
function cutWhere(cut: Cut, alias = ''): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (cut.asOf !== undefined) {
    parts.push(`${alias}occurred_at <= ?`);
    params.push(cut.asOf);
  }
  if (cut.atPosition !== undefined) {
    parts.push(`${alias}position <= ?`);
    params.push(cut.atPosition);
  }
  return { sql: parts.map((part) => ` AND ${part}`).join(''), params };
}

export const rate = (numerator: number, base: number): string => (base > 0 ? `${((numerator / base) * 100).toFixed(2)}%` : 'n/a');

interface FundRow {
  fund_id: string;
  name: string;
  fiscal_year: number;
  budget_fen: number;
  city_finance_holder_id: string;
  appropriated_on: string;
  appropriated_position: number;
}

export async function requireFund(db: ReadModel, fundId: string, cut: Cut): Promise<FundRow> {
  const [fund] = await db.all<FundRow>('SELECT * FROM {pj_fund} WHERE fund_id = ?', [fundId]);
  if (!fund) throw new FundNotFoundError(fundId);
  if (cut.asOf !== undefined && fund.appropriated_on > cut.asOf) throw new FundNotFoundError(fundId);
  if (cut.atPosition !== undefined && Number(fund.appropriated_position) > cut.atPosition) throw new FundNotFoundError(fundId);
  return { ...fund, budget_fen: Number(fund.budget_fen), appropriated_position: Number(fund.appropriated_position) };
}

interface HolderRow {
  holder_id: string;
  name: string;
  name_en: string | null;
  level: string;
  county_code: string | null;
  county_name: string | null;
}

/**
 * Holders by id, from a copy of pj_holder kept per read-model DataSource. Why: a fund's balances name ~2,500 enterprises at
 * 1M events, and fetching them with IN lists took ~10 ms of every query. The copy is checked against the money
 * projection's checkpoint (one primary-key read) and refreshed with the holders registered since (a holder row is
 * rewritten with its latest registration's position), or reloaded whole if the checkpoint went back (a rebuild).
 * Its size is the number of holders (10,000 in the synthetic province), not the history.
 */
const holderCaches = new WeakMap<object, { checkpoint: number; maxPosition: number; holders: Map<string, HolderRow> }>();

async function allHolders(db: ReadModel): Promise<Map<string, HolderRow>> {
  const [row] = await db.all<{ position: number }>("SELECT position FROM {pj_checkpoint} WHERE name = 'money'");
  const checkpoint = row ? Number(row.position) : -1;
  let cache = holderCaches.get(db.dataSource);
  if (cache && cache.checkpoint === checkpoint) return cache.holders;
  if (!cache || checkpoint < cache.checkpoint) cache = { checkpoint, maxPosition: -1, holders: new Map() };
  const rows = await db.all<HolderRow & { registered_position: number }>(
    'SELECT holder_id, name, name_en, level, county_code, county_name, registered_position FROM {pj_holder} WHERE registered_position > ?',
    [cache.maxPosition],
  );
  for (const holder of rows) {
    cache.holders.set(holder.holder_id, { holder_id: holder.holder_id, name: holder.name, name_en: holder.name_en, level: holder.level, county_code: holder.county_code, county_name: holder.county_name });
    cache.maxPosition = Math.max(cache.maxPosition, Number(holder.registered_position));
  }
  cache.checkpoint = checkpoint;
  holderCaches.set(db.dataSource, cache);
  return cache.holders;
}

/** Forgets the copy (the runner calls it when it drops tables: a rebuild may end at the same checkpoint with other rows). */
export function forgetCachedHolders(db: ReadModel): void {
  holderCaches.delete(db.dataSource);
}

function holdersById(holders: Map<string, HolderRow>, ids: Iterable<string>): Map<string, HolderRow> {
  const result = new Map<string, HolderRow>();
  for (const id of ids) {
    const holder = holders.get(id);
    if (holder) result.set(id, holder);
  }
  return result;
}

const LEVEL_ORDER: Level[] = ['city-finance', 'department', 'county-finance', 'park', 'pool', 'enterprise'];
const levelName = (level: string) => LEVEL_NAMES[level as Level] ?? { zh: level, en: level };
const cutOf = (cut: Cut) => ({ asOf: cut.asOf ?? null, atPosition: cut.atPosition ?? null });

// ---------------------------------------------------------------------------------------------
// balances

interface PlaceBalance {
  kind: string;
  id: string;
  fen: number;
}

async function placeBalances(db: ReadModel, fundId: string, cut: Cut): Promise<PlaceBalance[]> {
  if (!isCut(cut)) {
    return (
      await db.all<PlaceBalance>(
        'SELECT to_kind AS kind, to_id AS id, SUM(remaining_fen) AS fen FROM {pj_flow} WHERE fund_id = ? AND remaining_fen > 0 GROUP BY to_kind, to_id',
        [fundId],
      )
    ).map((row) => ({ ...row, fen: Number(row.fen) }));
  }
  const where = cutWhere(cut);
  const rows = await db.all<PlaceBalance>(
    `SELECT kind, id, SUM(fen) AS fen FROM (
       SELECT to_kind AS kind, to_id AS id, amount_fen AS fen FROM {pj_flow} WHERE fund_id = ?${where.sql}
       UNION ALL
       SELECT from_kind AS kind, from_id AS id, -amount_fen AS fen FROM {pj_flow} WHERE fund_id = ? AND from_kind <> 'outside'${where.sql}
     ) moves GROUP BY kind, id HAVING SUM(fen) <> 0`,
    [fundId, ...where.params, fundId, ...where.params],
  );
  return rows.map((row) => ({ ...row, fen: Number(row.fen) })).filter((row) => row.fen !== 0);
}

export async function balancesQuery(db: ReadModel, fundId: string, cut: Cut = {}) {
  const [fund, places, allHolderRows] = await Promise.all([requireFund(db, fundId, cut), placeBalances(db, fundId, cut), allHolders(db)]);
  const holders = holdersById(
    allHolderRows,
    places.filter((place) => place.kind === 'holder').map((place) => place.id),
  );
  let unallocatedFen = 0;
  let inTransitFen = 0;
  const inTransit: Array<{ transferId: string; amountFen: number }> = [];
  const holderRows: Array<{ holderId: string; name: string; level: string; countyCode: string | null; countyName: string | null; balanceFen: number }> = [];
  for (const place of places) {
    if (place.kind === 'unallocated') unallocatedFen += place.fen;
    else if (place.kind === 'transit') {
      inTransitFen += place.fen;
      inTransit.push({ transferId: place.id, amountFen: place.fen });
    } else if (place.kind === 'holder') {
      const holder = holders.get(place.id);
      holderRows.push({
        holderId: place.id,
        name: holder?.name ?? place.id,
        level: holder?.level ?? 'unknown',
        countyCode: holder?.county_code ?? null,
        countyName: holder?.county_name ?? null,
        balanceFen: place.fen,
      });
    }
  }
  holderRows.sort((a, b) => LEVEL_ORDER.indexOf(a.level as Level) - LEVEL_ORDER.indexOf(b.level as Level) || b.balanceFen - a.balanceFen || a.holderId.localeCompare(b.holderId));
  inTransit.sort((a, b) => a.transferId.localeCompare(b.transferId));
  const byLevel = LEVEL_ORDER.map((level) => ({
    level,
    ...levelName(level),
    balanceFen: holderRows.filter((row) => row.level === level).reduce((sum, row) => sum + row.balanceFen, 0),
  })).filter((row) => row.balanceFen !== 0);
  const counties = new Map<string, { countyCode: string; countyName: string; heldFen: number; atEnterprisesFen: number }>();
  for (const row of holderRows) {
    if (!row.countyCode) continue;
    const county = counties.get(row.countyCode) ?? { countyCode: row.countyCode, countyName: row.countyName ?? row.countyCode, heldFen: 0, atEnterprisesFen: 0 };
    if (row.level === 'enterprise') county.atEnterprisesFen += row.balanceFen;
    else county.heldFen += row.balanceFen;
    counties.set(row.countyCode, county);
  }
  const heldFen = holderRows.reduce((sum, row) => sum + row.balanceFen, 0);
  const placesFen = heldFen + inTransitFen + unallocatedFen;
  return {
    fundId,
    name: fund.name,
    cut: cutOf(cut),
    appropriatedFen: fund.budget_fen,
    unallocatedFen,
    inTransitFen,
    heldByHoldersFen: heldFen,
    atEnterprisesFen: byLevel.find((row) => row.level === 'enterprise')?.balanceFen ?? 0,
    holders: holderRows,
    byLevel,
    byCounty: [...counties.values()].sort((a, b) => a.countyCode.localeCompare(b.countyCode)),
    inTransit,
    conservation: {
      formula: 'holders + in transit + unallocated = appropriated (nothing leaves a fund: the pool and enterprises are holders)',
      formula_zh: '各单位余额 + 在途 + 未分配 = 预算安排',
      placesFen,
      appropriatedFen: fund.budget_fen,
      reconciles: placesFen === fund.budget_fen,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// dwell

export const AGING_BUCKETS = [
  { label: '0-30', max: 30 },
  { label: '31-90', max: 90 },
  { label: '91-180', max: 180 },
  { label: '181-365', max: 365 },
  { label: '>365', max: Number.POSITIVE_INFINITY },
] as const;

interface OpenLot {
  to_kind: string;
  to_id: string;
  to_level: string | null;
  to_county: string | null;
  age_from: string;
  fen: number;
}

/**
 * The lots with money in them at the cut, narrowed by `where` (SQL on the lot `l`, with its parameters): the chosen
 * `columns` of each and `fen`, what is left of it. Live: the open lots (`remaining_fen > 0`). As of a cut: the flows
 * in by the cut that were not used up by it (`closed_position`/`last_out_on`), minus what was taken from each up to
 * the cut (`source_lot_id`). One rule for dwell, held-up and an account's lots (lots.query.ts).
 */
export async function lotsHeldAt<T extends { fen: number }>(db: ReadModel, fundId: string, cut: Cut, columns: string, where: { sql: string; params: unknown[] }): Promise<T[]> {
  if (!isCut(cut)) {
    const rows = await db.all<T>(`SELECT ${columns}, l.remaining_fen AS fen FROM {pj_flow} l WHERE l.fund_id = ?${where.sql} AND l.remaining_fen > 0`, [fundId, ...where.params]);
    return rows.map((row) => ({ ...row, fen: Number(row.fen) }));
  }
  const lotWhere = cutWhere(cut, 'l.');
  const takenWhere = cutWhere(cut, 'c.');
  const usedUp: string[] = ['l.closed_position IS NOT NULL'];
  const usedUpParams: unknown[] = [];
  if (cut.asOf !== undefined) {
    usedUp.push('l.last_out_on <= ?');
    usedUpParams.push(cut.asOf);
  }
  if (cut.atPosition !== undefined) {
    usedUp.push('l.closed_position <= ?');
    usedUpParams.push(cut.atPosition);
  }
  const rows = await db.all<T>(
    `SELECT ${columns}, l.amount_fen - COALESCE((SELECT SUM(c.amount_fen) FROM {pj_flow} c WHERE c.source_lot_id = l.id${takenWhere.sql}), 0) AS fen
       FROM {pj_flow} l
      WHERE l.fund_id = ?${where.sql}${lotWhere.sql} AND NOT (${usedUp.join(' AND ')})`,
    [...takenWhere.params, fundId, ...where.params, ...lotWhere.params, ...usedUpParams],
  );
  return rows.map((row) => ({ ...row, fen: Number(row.fen) })).filter((row) => row.fen > 0);
}

/** The lots with money in them at the cut (enterprises excluded: money there has arrived, it is not waiting). */
function openLots(db: ReadModel, fundId: string, cut: Cut): Promise<OpenLot[]> {
  // unqualified: the predicate of PostgreSQL's partial indexes pj_flow_held_* (tables.ts), which only a WHERE with the
  // same expression can use (the columns are l's: the outer FROM has no other table)
  return lotsHeldAt<OpenLot>(db, fundId, cut, 'l.to_kind, l.to_id, l.to_level, l.to_county, l.age_from', { sql: ` AND ${NOT_AT_ENTERPRISE}`, params: [] });
}

interface Aging {
  amountFen: number;
  /** Σ amount × age, fen·days: the "held up" score. */
  fenDays: number;
  weightedMeanAgeDays: number;
  oldestAgeDays: number;
  oldestSince: string | null;
  buckets: Record<string, number>;
}

function newAging(): Aging {
  return { amountFen: 0, fenDays: 0, weightedMeanAgeDays: 0, oldestAgeDays: 0, oldestSince: null, buckets: Object.fromEntries(AGING_BUCKETS.map((b) => [`${b.label}Fen`, 0])) };
}

function addToAging(aging: Aging, fen: number, ageDays: number, since: string): void {
  aging.amountFen += fen;
  aging.fenDays += fen * ageDays;
  if (aging.oldestSince === null || ageDays > aging.oldestAgeDays) {
    aging.oldestAgeDays = ageDays;
    aging.oldestSince = since;
  }
  const bucket = AGING_BUCKETS.find((candidate) => ageDays <= candidate.max)!;
  aging.buckets[`${bucket.label}Fen`] += fen;
}

function finishAging<T extends Aging>(aging: T): T {
  aging.weightedMeanAgeDays = aging.amountFen > 0 ? Math.round((aging.fenDays / aging.amountFen) * 10) / 10 : 0;
  return aging;
}

async function agingByPlace(db: ReadModel, fundId: string, cut: Cut) {
  const today = referenceDate(cut);
  const lots = await openLots(db, fundId, cut);
  const byPlace = new Map<string, Aging & { kind: string; id: string }>();
  for (const lot of lots) {
    const key = `${lot.to_kind}|${lot.to_id}`;
    let aging = byPlace.get(key);
    if (!aging) {
      aging = { ...newAging(), kind: lot.to_kind, id: lot.to_id };
      byPlace.set(key, aging);
    }
    addToAging(aging, lot.fen, Math.max(0, daysBetween(lot.age_from, today)), lot.age_from);
  }
  return { today, places: [...byPlace.values()].map(finishAging) };
}

export async function dwellQuery(db: ReadModel, fundId: string, cut: Cut = {}) {
  const where = cutWhere(cut);
  const [, { today, places }, sentRows, transfersOut, allHolderRows] = await Promise.all([
    requireFund(db, fundId, cut),
    agingByPlace(db, fundId, cut),
    db.all<{ kind: string; id: string; fen: number; fen_days: number; max_days: number }>(
      `SELECT from_kind AS kind, CASE WHEN from_kind = 'holder' THEN from_id ELSE '' END AS id,
              SUM(amount_fen) AS fen, SUM(amount_fen * dwell_days) AS fen_days, MAX(dwell_days) AS max_days
         FROM {pj_flow} WHERE fund_id = ? AND from_kind IN ('holder', 'unallocated', 'transit')${where.sql}
        GROUP BY from_kind, CASE WHEN from_kind = 'holder' THEN from_id ELSE '' END`,
      [fundId, ...where.params],
    ),
    db.all<Row>(
      `SELECT position, MIN(event_id) AS event_id, MIN(event_type) AS event_type, MIN(occurred_at) AS occurred_at, from_id, MIN(to_kind) AS to_kind, MIN(to_id) AS to_id,
              SUM(amount_fen) AS fen, SUM(amount_fen * dwell_days) AS fen_days, MAX(dwell_days) AS max_days
         FROM {pj_flow} WHERE fund_id = ? AND from_kind = 'holder'${where.sql}
        GROUP BY position, from_id ORDER BY position DESC, from_id LIMIT ${TRANSFERS_OUT_MAX}`,
      [fundId, ...where.params],
    ),
    allHolders(db),
  ]);
  const ids = [...places.filter((p) => p.kind === 'holder').map((p) => p.id), ...sentRows.filter((r) => r.kind === 'holder').map((r) => r.id), ...transfersOut.map((r) => String(r.to_id))];
  const holders = holdersById(allHolderRows, ids);
  const describe = (kind: string, id: string) => {
    const holder = kind === 'holder' ? holders.get(id) : undefined;
    return {
      place: kind,
      holderId: kind === 'holder' ? id : null,
      name: holder?.name ?? (kind === 'unallocated' ? '未分配预算 unallocated budget' : kind === 'transit' ? `在途 in transit ${id}` : id),
      level: holder?.level ?? kind,
      countyCode: holder?.county_code ?? null,
    };
  };
  const heldRows = places.map(({ kind, id, ...aging }) => ({ ...describe(kind, id), ...aging }));
  heldRows.sort((a, b) => b.fenDays - a.fenDays || `${a.place}|${a.holderId ?? a.name}`.localeCompare(`${b.place}|${b.holderId ?? b.name}`));
  const group = (rows: typeof heldRows, keyOf: (row: (typeof heldRows)[number]) => string | null) => {
    const groups = new Map<string, Aging & { key: string }>();
    for (const row of rows) {
      const key = keyOf(row);
      if (key === null) continue;
      const aging = groups.get(key) ?? { ...newAging(), key };
      aging.amountFen += row.amountFen;
      aging.fenDays += row.fenDays;
      for (const [bucket, fen] of Object.entries(row.buckets)) aging.buckets[bucket] += fen;
      if (aging.oldestSince === null || row.oldestAgeDays > aging.oldestAgeDays) {
        aging.oldestAgeDays = row.oldestAgeDays;
        aging.oldestSince = row.oldestSince;
      }
      groups.set(key, aging);
    }
    return [...groups.values()].map(finishAging).sort((a, b) => a.key.localeCompare(b.key));
  };
  const sent = sentRows.map((row) => {
    const fen = Number(row.fen);
    return {
      ...describe(row.kind, row.id),
      sentFen: fen,
      weightedMeanDwellDays: fen > 0 ? Math.round((Number(row.fen_days) / fen) * 10) / 10 : 0,
      longestDwellDays: Number(row.max_days),
    };
  });
  sent.sort((a, b) => b.weightedMeanDwellDays - a.weightedMeanDwellDays || `${a.place}|${a.holderId ?? a.name}`.localeCompare(`${b.place}|${b.holderId ?? b.name}`));
  const sentGroup = (keyOf: (row: (typeof sent)[number]) => string | null) => {
    const groups = new Map<string, { key: string; sentFen: number; fenDays: number; longestDwellDays: number }>();
    for (const row of sent) {
      const key = keyOf(row);
      if (key === null) continue;
      const entry = groups.get(key) ?? { key, sentFen: 0, fenDays: 0, longestDwellDays: 0 };
      entry.sentFen += row.sentFen;
      entry.fenDays += row.weightedMeanDwellDays * row.sentFen;
      entry.longestDwellDays = Math.max(entry.longestDwellDays, row.longestDwellDays);
      groups.set(key, entry);
    }
    return [...groups.values()]
      .map((entry) => ({ key: entry.key, sentFen: entry.sentFen, weightedMeanDwellDays: entry.sentFen > 0 ? Math.round((entry.fenDays / entry.sentFen) * 10) / 10 : 0, longestDwellDays: entry.longestDwellDays }))
      .sort((a, b) => a.key.localeCompare(b.key));
  };
  return {
    fundId,
    cut: cutOf(cut),
    agesCountedTo: today,
    method: {
      en: 'first in, first out: each receipt is a lot, money sent on leaves from the oldest lots first; a reversal puts money back with the age it had before',
      zh: '先进先出：每笔到账为一个批次，拨出时先动用最早的批次；冲正退回的资金保留原到账日期',
    },
    buckets: AGING_BUCKETS.map((bucket) => bucket.label),
    held: {
      total: finishAging(heldRows.reduce((total, row) => {
        total.amountFen += row.amountFen;
        total.fenDays += row.fenDays;
        for (const [bucket, fen] of Object.entries(row.buckets)) total.buckets[bucket] += fen;
        if (total.oldestSince === null || row.oldestAgeDays > total.oldestAgeDays) {
          total.oldestAgeDays = row.oldestAgeDays;
          total.oldestSince = row.oldestSince;
        }
        return total;
      }, newAging())),
      places: heldRows,
      byLevel: group(heldRows, (row) => row.level),
      byCounty: group(heldRows, (row) => row.countyCode),
    },
    sent: {
      places: sent,
      byLevel: sentGroup((row) => row.level),
      byCounty: sentGroup((row) => row.countyCode),
    },
    transfersOut: transfersOut.map((row) => {
      const fen = Number(row.fen);
      return {
        position: Number(row.position),
        eventId: row.event_id,
        type: row.event_type,
        occurredAt: row.occurred_at,
        fromHolderId: row.from_id,
        fromName: holders.get(String(row.from_id))?.name ?? row.from_id,
        to: row.to_kind === 'holder' ? (holders.get(String(row.to_id))?.name ?? row.to_id) : `${row.to_kind} ${row.to_id}`.trim(),
        amountFen: fen,
        weightedMeanDwellDays: fen > 0 ? Math.round((Number(row.fen_days) / fen) * 10) / 10 : 0,
        longestDwellDays: Number(row.max_days),
      };
    }),
    transfersOutLimit: TRANSFERS_OUT_MAX,
  };
}
/** The most recent moves out listed one by one (the aggregates above cover all of them). */
export const TRANSFERS_OUT_MAX = 200;

// ---------------------------------------------------------------------------------------------
// execution

/** A group of flows between places that are not enterprises' payouts: what allocation, sweeps and arrival need. */
interface MoveGroup {
  event_type: string;
  reversed_type: string | null;
  from_kind: string;
  from_level: string | null;
  from_county: string | null;
  to_kind: string;
  to_level: string | null;
  to_county: string | null;
  fen: number;
}

export type ExecutionBase = 'budget' | 'allocated';

/** Money into an enterprise / out of one (null-safe: a holder without a level is not an enterprise). */
const INTO_ENTERPRISE = "to_kind = 'holder' AND COALESCE(to_level, '') = 'enterprise'";
const OUT_OF_ENTERPRISE = "from_kind = 'holder' AND COALESCE(from_level, '') = 'enterprise'";
// MOVE_TYPES (tables.ts): the event types whose flows (or whose reversals' flows) make allocated, swept and arrival
// figures; PostgreSQL reads them through the partial indexes pj_flow_moves_* of that predicate.

/**
 * Why two narrow queries and not one GROUP BY of every flow by all twelve columns the figures use (what this was):
 * that grouped a fund's ~4,700 flows into ~2,100 groups of 13 columns, 28 ms of a 33 ms answer at 1M events (the
 * sort of wide keys, then a JS object per group). Each figure only needs some columns:
 *  - paid to enterprises, by county, direction, allocation document and month: four one-column sums, each from
 *    the same materialized list of signed payout pieces (~3,800 rows, 5 columns; ~40 groups in all; on PostgreSQL
 *    one scan with GROUPING SETS, `paidGroups`);
 *  - allocated, swept and arrival: the flows of four event types (~850 rows) by their from/to columns (~80 groups;
 *    on PostgreSQL read through the partial indexes pj_flow_moves_*, tables.ts, instead of all the fund's flows).
 * Same integer sums, so byte-identical answers (checked on 20 funds × 3 cuts at 1M events); execution p50 at 1M
 * events 21–30 → 11–18 ms on this 2-core machine (busy with a rebuild beside it).
 */
async function paidAndMoves(db: ReadModel, fundId: string, cut: Cut) {
  const where = cutWhere(cut);
  const [paid, moves] = await Promise.all([
    paidGroups(db, fundId, where),
    db.all<MoveGroup>(
      `SELECT event_type, reversed_type, from_kind, from_level, from_county, to_kind, to_level, to_county, SUM(amount_fen) AS fen
         FROM {pj_flow} WHERE fund_id = ? AND (event_type IN ${MOVE_TYPES} OR reversed_type IN ${MOVE_TYPES})${where.sql}
        GROUP BY event_type, reversed_type, from_kind, from_level, from_county, to_kind, to_level, to_county`,
      [fundId, ...where.params],
    ),
  ]);
  return { paid, moves: moves.map((row) => ({ ...row, fen: Number(row.fen) })) };
}

type PaidDimension = 'county' | 'direction' | 'allocation' | 'month';

/**
 * The signed payout pieces summed by each of the four dimensions. PostgreSQL: one scan with GROUPING SETS (its
 * MATERIALIZED CTE read four times cost ~40 % more: 9–13 → 6–8 ms a call at 1M events); SQLite has no GROUPING SETS.
 * GROUPING() has a bit set for each of the four columns a row is not grouped by (county_code = 8 … month = 1).
 */
async function paidGroups(db: ReadModel, fundId: string, where: { sql: string; params: unknown[] }): Promise<Array<{ dim: PaidDimension; code: string | null; fen: number }>> {
  const signed = `CASE WHEN ${INTO_ENTERPRISE} THEN amount_fen ELSE -amount_fen END`;
  const paidPieces = `FROM {pj_flow} WHERE fund_id = ? AND (${INTO_ENTERPRISE}) <> (${OUT_OF_ENTERPRISE})${where.sql}`;
  if (db.kind === 'postgres') {
    const rows = await db.all<{ county_code: string | null; direction: string | null; allocation_id: string | null; month: string | null; grouping: number; fen: number }>(
      `SELECT county_code, direction, allocation_id, substr(occurred_at, 1, 7) AS month,
              GROUPING(county_code, direction, allocation_id, substr(occurred_at, 1, 7)) AS grouping, SUM(${signed}) AS fen
         ${paidPieces}
        GROUP BY GROUPING SETS ((county_code), (direction), (allocation_id), (substr(occurred_at, 1, 7)))`,
      [fundId, ...where.params],
    );
    return rows.map((row) => {
      const fen = Number(row.fen);
      if (row.grouping === 0b0111) return { dim: 'county', code: row.county_code, fen };
      if (row.grouping === 0b1011) return { dim: 'direction', code: row.direction, fen };
      if (row.grouping === 0b1101) return { dim: 'allocation', code: row.allocation_id, fen };
      return { dim: 'month', code: row.month, fen };
    });
  }
  const rows = await db.all<{ dim: PaidDimension; code: string | null; fen: number }>(
    `WITH paid AS MATERIALIZED (SELECT county_code, direction, allocation_id, substr(occurred_at, 1, 7) AS month, ${signed} AS fen ${paidPieces})
     SELECT 'county' AS dim, county_code AS code, SUM(fen) AS fen FROM paid GROUP BY county_code
     UNION ALL SELECT 'direction', direction, SUM(fen) FROM paid GROUP BY direction
     UNION ALL SELECT 'allocation', allocation_id, SUM(fen) FROM paid GROUP BY allocation_id
     UNION ALL SELECT 'month', month, SUM(fen) FROM paid GROUP BY month`,
    [fundId, ...where.params],
  );
  return rows.map((row) => ({ ...row, fen: Number(row.fen) }));
}

export async function executionQuery(db: ReadModel, fundId: string, cut: Cut = {}, base: ExecutionBase = 'budget') {
  const allocationWhere = [cut.asOf !== undefined ? ' AND issued_on <= ?' : '', cut.atPosition !== undefined ? ' AND issued_position <= ?' : ''].join('');
  const allocationParams = [...(cut.asOf !== undefined ? [cut.asOf] : []), ...(cut.atPosition !== undefined ? [cut.atPosition] : [])];
  const [fund, { paid, moves }, allocations, projects, allHolderRows] = await Promise.all([
    requireFund(db, fundId, cut),
    paidAndMoves(db, fundId, cut),
    db.all<Row>(`SELECT * FROM {pj_allocation} WHERE fund_id = ?${allocationWhere} ORDER BY issued_position`, [fundId, ...allocationParams]),
    approvedAt(db, fundId, cut),
    allHolders(db),
  ]);

  const budgetFen = fund.budget_fen;
  let allocatedFen = 0;
  let sweptFen = 0;
  let paidFen = 0;
  const paidBy = { county: new Map<string, number>(), direction: new Map<string, number>(), allocation: new Map<string, number>(), month: new Map<string, number>() };
  const sentToCounty = new Map<string, number>();
  const arrival = new Map<string, { sentFen: number; receivedFen: number }>();
  const add = (map: Map<string, number>, key: string, fen: number) => map.set(key, (map.get(key) ?? 0) + fen);
  const arrivalOf = (level: string) => {
    const entry = arrival.get(level) ?? { sentFen: 0, receivedFen: 0 };
    arrival.set(level, entry);
    return entry;
  };
  // every signed piece is in exactly one county group, so their sum is the whole numerator
  for (const group of paid) {
    add(paidBy[group.dim], group.code ?? '(none)', group.fen);
    if (group.dim === 'county') paidFen += group.fen;
  }
  for (const group of moves) {
    if (group.event_type === 'AllocationIssued') allocatedFen += group.fen;
    if (group.reversed_type === 'AllocationIssued') allocatedFen -= group.fen;
    if (group.event_type === 'FundsReturned' && group.from_kind === 'unallocated') sweptFen += group.fen;
    if (group.reversed_type === 'FundsReturned' && group.to_kind === 'unallocated') sweptFen -= group.fen;
    // sent toward a level / a county: transfers into transit (their level and county are the receiver's)
    if (group.event_type === 'TransferSent' && group.to_level) {
      arrivalOf(group.to_level).sentFen += group.fen;
      if (group.to_county && group.to_county !== group.from_county) add(sentToCounty, group.to_county, group.fen);
    }
    if (group.reversed_type === 'TransferSent' && group.from_level) {
      arrivalOf(group.from_level).sentFen -= group.fen;
      if (group.from_county && group.from_county !== group.to_county) add(sentToCounty, group.from_county, -group.fen);
    }
    if (group.event_type === 'TransferReceived' && group.to_level) arrivalOf(group.to_level).receivedFen += group.fen;
    if (group.reversed_type === 'TransferReceived' && group.from_level) arrivalOf(group.from_level).receivedFen -= group.fen;
  }

  const baseFen = base === 'budget' ? budgetFen : allocatedFen;
  const numerator = {
    name: 'paidToEnterprises',
    zh: '拨付至企业的资金（净额：兑现 − 冲正 − 企业退回/收回）',
    en: 'money that reached enterprises, net: payouts − reversed payouts − money returned or clawed back from enterprises',
    amountFen: paidFen,
  };
  const baseDescription = {
    budget: { zh: '预算安排', en: 'the budget appropriated' },
    allocated: { zh: '已下达指标（净额）', en: 'what was allocated by documents, net of reversed allocations' },
  };
  const countyNames = new Map<string, string>();
  for (const group of projects) countyNames.set(group.county_code, group.county_name);
  for (const holder of allHolderRows.values()) if (holder.county_code !== null) countyNames.set(holder.county_code, holder.county_name ?? holder.county_code);
  const approvedByDirection = new Map<string, number>();
  for (const group of projects) if (group.has_open > 0) add(approvedByDirection, group.direction, group.approved_fen);
  const approvedTotal = projects.reduce((sum, group) => sum + group.approved_fen, 0);

  const months = [...paidBy.month.keys()].sort();
  let cumulative = 0;
  return {
    fundId,
    name: fund.name,
    cut: cutOf(cut),
    numerator,
    base: { name: base, ...baseDescription[base], amountFen: baseFen },
    formula: `${numerator.name} ÷ ${base}`,
    rate: rate(paidFen, baseFen),
    rates: {
      budget: { formula: 'paidToEnterprises ÷ budget', baseFen: budgetFen, rate: rate(paidFen, budgetFen) },
      allocated: { formula: 'paidToEnterprises ÷ allocated', baseFen: allocatedFen, rate: rate(paidFen, allocatedFen) },
    },
    budgetFen,
    allocatedFen,
    unallocatedSweptToPoolFen: sweptFen,
    byAllocation: allocations.map((allocation) => {
      const allocationId = String(allocation.allocation_id);
      const reversed = allocation.reversed_on !== null && isReversedAt(allocation, cut);
      const amountFen = reversed ? 0 : Number(allocation.amount_fen);
      const paid = paidBy.allocation.get(allocationId) ?? 0;
      return {
        allocationId,
        document: allocation.document,
        channel: allocation.channel,
        issuedOn: allocation.issued_on,
        reversed,
        allocatedFen: amountFen,
        paidFen: paid,
        formula: `paid from this document's money (traced through FIFO lots) ÷ amount of ${allocation.document}`,
        rate: rate(paid, amountFen),
      };
    }),
    untracedPaidFen: paidBy.allocation.get('(none)') ?? 0,
    byCounty: [...new Set([...paidBy.county.keys(), ...sentToCounty.keys()])].sort().map((county) => {
      const paid = paidBy.county.get(county) ?? 0;
      const sent = sentToCounty.get(county) ?? 0;
      return {
        countyCode: county,
        countyName: countyNames.get(county) ?? county,
        paidFen: paid,
        sentToCountyFen: sent,
        formula: 'paid to enterprises of the county ÷ money sent to the county’s holders from outside it (net of reversals)',
        rate: rate(paid, sent),
      };
    }),
    byDirection: [...new Set([...paidBy.direction.keys(), ...approvedByDirection.keys()])].sort().map((direction) => {
      const paid = paidBy.direction.get(direction) ?? 0;
      const approved = approvedByDirection.get(direction) ?? 0;
      return { direction, paidFen: paid, approvedFen: approved, formula: 'paid in this support direction ÷ approved for its registered projects', rate: rate(paid, approved) };
    }),
    monthly: months.map((month) => {
      cumulative += paidBy.month.get(month)!;
      return { month, paidFen: paidBy.month.get(month)!, cumulativePaidFen: cumulative, formula: `cumulative paidToEnterprises ÷ ${base}`, cumulativeRate: rate(cumulative, baseFen) };
    }),
    arrivalByLevel: [
      { level: 'city-finance', ...levelName('city-finance'), receivedFen: allocatedFen, plannedFen: budgetFen, formula: 'allocated ÷ budget', rate: rate(allocatedFen, budgetFen) },
      ...(['county-finance', 'department', 'park', 'pool'] as const)
        .filter((level) => arrival.has(level))
        .map((level) => {
          const entry = arrival.get(level)!;
          return { level, ...levelName(level), receivedFen: entry.receivedFen, plannedFen: entry.sentFen, formula: 'received ÷ sent toward this level (the rest is in transit)', rate: rate(entry.receivedFen, entry.sentFen) };
        }),
      { level: 'enterprise', ...levelName('enterprise'), receivedFen: paidFen, plannedFen: approvedTotal, formula: 'paid to enterprises ÷ approved for registered projects', rate: rate(paidFen, approvedTotal) },
    ],
  };
}

function isReversedAt(allocation: Row, cut: Cut): boolean {
  if (allocation.reversed_on === null || allocation.reversed_on === undefined) return false;
  if (cut.asOf !== undefined && String(allocation.reversed_on) > cut.asOf) return false;
  if (cut.atPosition !== undefined && Number(allocation.reversed_position) > cut.atPosition) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// projects and held-up

interface WaitingProject {
  projectId: string;
  name: string;
  enterpriseHolderId: string;
  county_code: string;
  direction: string;
  approvedFen: number;
  paidFen: number;
}

/**
 * What execution needs from the projects at a cut, summed in SQL (not every project row: at 1M events a fund has
 * ~1,700): approved amounts of the projects not cancelled by the cut, by direction, and the county names.
 * `has_open`: the group has a project not cancelled by the cut (such a direction is listed even at 0 approved).
 */
async function approvedAt(db: ReadModel, fundId: string, cut: Cut) {
  const where = [cut.asOf !== undefined ? ' AND registered_on <= ?' : '', cut.atPosition !== undefined ? ' AND registered_position <= ?' : ''].join('');
  const cancelled = ['cancelled_on IS NOT NULL', ...(cut.asOf !== undefined ? ['cancelled_on <= ?'] : []), ...(cut.atPosition !== undefined ? ['cancelled_position <= ?'] : [])].join(' AND ');
  const cutParams = [...(cut.asOf !== undefined ? [cut.asOf] : []), ...(cut.atPosition !== undefined ? [cut.atPosition] : [])];
  const rows = await db.all<{ direction: string; county_code: string; county_name: string; approved_fen: number; has_open: number }>(
    `SELECT direction, county_code, county_name, SUM(CASE WHEN ${cancelled} THEN 0 ELSE approved_fen END) AS approved_fen,
            SUM(CASE WHEN ${cancelled} THEN 0 ELSE 1 END) AS has_open
       FROM {pj_project} WHERE fund_id = ?${where} GROUP BY direction, county_code, county_name`,
    [...cutParams, ...cutParams, fundId, ...cutParams],
  );
  return rows.map((row) => ({ ...row, approved_fen: Number(row.approved_fen), has_open: Number(row.has_open) }));
}

/**
 * The projects waiting for money at the cut: registered by it, neither closed nor cancelled by it, paid less than
 * approved (paid: net flows into the project's enterprises up to the cut). Why the paid sum is joined in SQL and the
 * comparison made there: reading every open project (~1,000 a fund at 1M events) and every project's paid sum
 * (~1,900 rows) into JS to keep the ~100 that wait was 14 ms of a 17 ms held-up answer; this is one statement of
 * ~5 ms returning only the waiting ones, ordered by id (the order the primary-key scan gave before).
 */
async function waitingProjectsAt(db: ReadModel, fundId: string, cut: Cut): Promise<WaitingProject[]> {
  const where = [cut.asOf !== undefined ? ' AND p.registered_on <= ?' : '', cut.atPosition !== undefined ? ' AND p.registered_position <= ?' : ''].join('');
  const cutParams = [...(cut.asOf !== undefined ? [cut.asOf] : []), ...(cut.atPosition !== undefined ? [cut.atPosition] : [])];
  const endedBy = (status: 'closed' | 'cancelled') =>
    [`p.${status}_on IS NOT NULL`, ...(cut.asOf !== undefined ? [`p.${status}_on <= ?`] : []), ...(cut.atPosition !== undefined ? [`p.${status}_position <= ?`] : [])].join(' AND ');
  const flowWhere = cutWhere(cut);
  const rows = await db.all<Row>(
    `SELECT p.project_id, p.name, p.enterprise_holder_id, p.county_code, p.direction, p.approved_fen, COALESCE(paid.fen, 0) AS paid_fen
       FROM {pj_project} p
       LEFT JOIN (SELECT project_id, SUM(CASE WHEN to_kind = 'holder' AND to_level = 'enterprise' THEN amount_fen ELSE 0 END)
                                   - SUM(CASE WHEN from_kind = 'holder' AND from_level = 'enterprise' THEN amount_fen ELSE 0 END) AS fen
                    FROM {pj_flow} WHERE fund_id = ? AND project_id IS NOT NULL${flowWhere.sql} GROUP BY project_id) paid ON paid.project_id = p.project_id
      WHERE p.fund_id = ?${where} AND NOT (${endedBy('closed')}) AND NOT (${endedBy('cancelled')}) AND COALESCE(paid.fen, 0) < p.approved_fen
      ORDER BY p.project_id`,
    [fundId, ...flowWhere.params, fundId, ...cutParams, ...cutParams, ...cutParams],
  );
  return rows.map((row) => ({
    projectId: String(row.project_id),
    name: String(row.name),
    enterpriseHolderId: String(row.enterprise_holder_id),
    county_code: String(row.county_code),
    direction: String(row.direction),
    approvedFen: Number(row.approved_fen),
    paidFen: Number(row.paid_fen),
  }));
}

/** Bounds of the held-up answer (TigerBeetle: put a limit on everything). */
export const HELD_UP_HOLDERS_MAX = 50;
export const WAITING_PROJECTS_PER_HOLDER_MAX = 50;

export async function heldUpQuery(db: ReadModel, fundId: string, cut: Cut = {}) {
  const [, { today, places }, projects, allHolderRows] = await Promise.all([requireFund(db, fundId, cut), agingByPlace(db, fundId, cut), waitingProjectsAt(db, fundId, cut), allHolders(db)]);
  const holderPlaces = places.filter((place) => place.kind === 'holder');
  // sorted once, most waiting first, then by id (sort is stable, so filtering the sorted list = sorting each holder's list)
  projects.sort((a, b) => b.approvedFen - b.paidFen - (a.approvedFen - a.paidFen) || a.projectId.localeCompare(b.projectId));
  const holders = holdersById(allHolderRows, [...holderPlaces.map((place) => place.id), ...projects.map((project) => project.enterpriseHolderId)]);
  const heldUp = holderPlaces
    .map((place) => ({ place, holder: holders.get(place.id) }))
    .filter(({ holder }) => holder && holder.level !== 'enterprise' && holder.level !== 'pool')
    .sort((a, b) => b.place.fenDays - a.place.fenDays || a.place.id.localeCompare(b.place.id));
  return {
    fundId,
    cut: cutOf(cut),
    agesCountedTo: today,
    orderedBy: { en: 'amount × age (fen·days), largest first', zh: '按 金额 × 滞留天数 从大到小' },
    waitingMeans: {
      en: "registered projects in the holder's county (any county for a city-level holder), not closed or cancelled, paid less than approved",
      zh: '该单位所在旗县区已登记、未结项未撤销、尚未足额拨付的项目（市级单位：全市）',
    },
    holdersWithMoney: heldUp.length,
    holders: heldUp.slice(0, HELD_UP_HOLDERS_MAX).map(({ place, holder }) => {
      const waiting = projects.filter((project) => !holder!.county_code || project.county_code === holder!.county_code);
      return {
        holderId: place.id,
        name: holder!.name,
        level: holder!.level,
        countyCode: holder!.county_code,
        countyName: holder!.county_name,
        heldFen: place.amountFen,
        fenDays: place.fenDays,
        weightedMeanAgeDays: place.weightedMeanAgeDays,
        oldestAgeDays: place.oldestAgeDays,
        oldestSince: place.oldestSince,
        buckets: place.buckets,
        waitingProjectsCount: waiting.length,
        waitingEnterprisesCount: new Set(waiting.map((project) => project.enterpriseHolderId)).size,
        waitingFen: waiting.reduce((sum, project) => sum + project.approvedFen - project.paidFen, 0),
        waitingProjects: waiting.slice(0, WAITING_PROJECTS_PER_HOLDER_MAX).map((project) => ({
          projectId: project.projectId,
          name: project.name,
          enterpriseHolderId: project.enterpriseHolderId,
          enterpriseName: holders.get(project.enterpriseHolderId)?.name ?? project.enterpriseHolderId,
          direction: project.direction,
          approvedFen: project.approvedFen,
          paidFen: project.paidFen,
          waitingFen: project.approvedFen - project.paidFen,
        })),
      };
    }),
  };
}

export const QUERIES = {
  balances: (db: ReadModel, fundId: string, cut: Cut = {}) => balancesQuery(db, fundId, cut),
  dwell: (db: ReadModel, fundId: string, cut: Cut = {}) => dwellQuery(db, fundId, cut),
  execution: (db: ReadModel, fundId: string, cut: Cut = {}) => executionQuery(db, fundId, cut),
  'held-up': (db: ReadModel, fundId: string, cut: Cut = {}) => heldUpQuery(db, fundId, cut),
} as const;
export type QueryName = keyof typeof QUERIES;

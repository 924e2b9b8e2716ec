/**
 * The execution and held-up figures against a plain fold of the read model's rows, on SQLite and PostgreSQL.
 * Why: the queries sum in SQL by one column at a time (execution) and compare paid with approved in SQL (held-up),
 * for speed; this recomputes the same figures the straightforward way (every flow row in JS, the rules as the
 * docs state them) on the small synthetic province, at the head and at cuts, so the SQL cannot drift from them.
 */
import { join } from 'node:path';
import { ProjectionRunner, QUERIES, type Cut } from '../../projections';
import type { ReadModel, Row } from '../../projections/read-model';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { type ReadModelKind, freshReadModel, tempDir } from './support';
import { appendSynthetic } from './support-history';

const KINDS: ReadModelKind[] = process.env.FUNDTRAIL_SKIP_PG === 'true' ? ['sqlite'] : ['sqlite', 'postgres'];

const inCut = (row: Row, cut: Cut) =>
  (cut.asOf === undefined || String(row.occurred_at) <= cut.asOf) && (cut.atPosition === undefined || Number(row.position) <= cut.atPosition);

/** Execution's figures, one flow row at a time. */
async function executionByRows(db: ReadModel, fundId: string, cut: Cut) {
  const rows = (await db.all<Row>('SELECT * FROM {pj_flow} WHERE fund_id = ?', [fundId])).filter((row) => inCut(row, cut));
  const add = (map: Map<string, number>, key: string, fen: number) => map.set(key, (map.get(key) ?? 0) + fen);
  const paidBy = { county: new Map<string, number>(), direction: new Map<string, number>(), allocation: new Map<string, number>(), month: new Map<string, number>() };
  const sentToCounty = new Map<string, number>();
  const arrival = new Map<string, { sent: number; received: number }>();
  const arrivalOf = (level: string) => arrival.get(level) ?? arrival.set(level, { sent: 0, received: 0 }).get(level)!;
  let allocated = 0;
  let swept = 0;
  let paid = 0;
  for (const row of rows) {
    const fen = Number(row.amount_fen);
    if (row.event_type === 'AllocationIssued') allocated += fen;
    if (row.reversed_type === 'AllocationIssued') allocated -= fen;
    if (row.event_type === 'FundsReturned' && row.from_kind === 'unallocated') swept += fen;
    if (row.reversed_type === 'FundsReturned' && row.to_kind === 'unallocated') swept -= fen;
    const into = row.to_kind === 'holder' && row.to_level === 'enterprise';
    const out = row.from_kind === 'holder' && row.from_level === 'enterprise';
    const signed = into && !out ? fen : out && !into ? -fen : 0;
    if (signed !== 0) {
      paid += signed;
      add(paidBy.county, (row.county_code as string | null) ?? '(none)', signed);
      add(paidBy.direction, (row.direction as string | null) ?? '(none)', signed);
      add(paidBy.allocation, (row.allocation_id as string | null) ?? '(none)', signed);
      add(paidBy.month, String(row.occurred_at).slice(0, 7), signed);
    }
    if (row.event_type === 'TransferSent' && row.to_level) {
      arrivalOf(String(row.to_level)).sent += fen;
      if (row.to_county && row.to_county !== row.from_county) add(sentToCounty, String(row.to_county), fen);
    }
    if (row.reversed_type === 'TransferSent' && row.from_level) {
      arrivalOf(String(row.from_level)).sent -= fen;
      if (row.from_county && row.from_county !== row.to_county) add(sentToCounty, String(row.from_county), -fen);
    }
    if (row.event_type === 'TransferReceived' && row.to_level) arrivalOf(String(row.to_level)).received += fen;
    if (row.reversed_type === 'TransferReceived' && row.from_level) arrivalOf(String(row.from_level)).received -= fen;
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    allocated,
    swept,
    paid,
    byCounty: [...new Set([...paidBy.county.keys(), ...sentToCounty.keys()])].sort().map((county) => [county, paidBy.county.get(county) ?? 0, sentToCounty.get(county) ?? 0]),
    byDirection: sorted(paidBy.direction),
    byAllocation: paidBy.allocation,
    monthly: sorted(paidBy.month),
    arrival: (['county-finance', 'department', 'park', 'pool'] as const).filter((level) => arrival.has(level)).map((level) => [level, arrival.get(level)!.received, arrival.get(level)!.sent]),
  };
}

/** Held-up's waiting projects, one project and one flow row at a time. */
async function waitingByRows(db: ReadModel, fundId: string, cut: Cut) {
  const happened = (on: unknown, position: unknown) =>
    on !== null && (cut.asOf === undefined || String(on) <= cut.asOf) && (cut.atPosition === undefined || Number(position) <= cut.atPosition);
  const paid = new Map<string, number>();
  for (const row of (await db.all<Row>('SELECT * FROM {pj_flow} WHERE fund_id = ? AND project_id IS NOT NULL', [fundId])).filter((row) => inCut(row, cut))) {
    const fen = Number(row.amount_fen);
    const signed = (row.to_kind === 'holder' && row.to_level === 'enterprise' ? fen : 0) - (row.from_kind === 'holder' && row.from_level === 'enterprise' ? fen : 0);
    paid.set(String(row.project_id), (paid.get(String(row.project_id)) ?? 0) + signed);
  }
  return (await db.all<Row>('SELECT * FROM {pj_project} WHERE fund_id = ?', [fundId]))
    .filter((project) => happened(project.registered_on, project.registered_position))
    .filter((project) => !happened(project.closed_on, project.closed_position) && !happened(project.cancelled_on, project.cancelled_position))
    .map((project) => ({ project, paidFen: paid.get(String(project.project_id)) ?? 0 }))
    .filter(({ project, paidFen }) => paidFen < Number(project.approved_fen));
}

describe.each(KINDS)('query figures against a plain fold of the rows, %s read model', (kind) => {
  const dir = tempDir();
  let store: SqliteEventStore;
  let db: ReadModel;
  let drop: () => Promise<void>;
  let fundIds: string[];
  let cuts: Cut[];
  beforeAll(async () => {
    store = new SqliteEventStore({ filename: join(dir.path, `figures-${kind}.db`) });
    await appendSynthetic(store);
    const made = await freshReadModel(kind, dir.path, 'figures');
    db = made.db;
    drop = made.drop;
    const runner = new ProjectionRunner(store, db);
    await runner.rebuild();
    await runner.close();
    fundIds = (await db.all<{ fund_id: string }>('SELECT fund_id FROM {pj_fund} ORDER BY fund_id')).map((row) => row.fund_id);
    const head = await store.headPosition();
    const [{ first, last }] = await db.all<{ first: string; last: string }>('SELECT MIN(occurred_at) AS first, MAX(occurred_at) AS last FROM {pj_flow}');
    const middle = new Date((Date.parse(first) + Date.parse(last)) / 2).toISOString().slice(0, 10);
    cuts = [{ today: '2026-01-01' }, { asOf: middle }, { atPosition: Math.floor(head / 2), today: '2026-01-01' }, { asOf: last, atPosition: Math.floor((head * 3) / 4) }];
  }, 120_000);
  afterAll(async () => {
    await drop();
    await store.close();
    dir.remove();
  });

  test('execution: paid by county, direction, document and month, allocated, swept, sent and received by level', async () => {
    let compared = 0;
    for (const fundId of fundIds) {
      for (const cut of cuts) {
        const answer = await QUERIES.execution(db, fundId, cut).catch((error: Error) => error.name);
        if (answer === 'FundNotFoundError') continue;
        if (typeof answer === 'string') throw new Error(answer);
        const expected = await executionByRows(db, fundId, cut);
        expect(answer.numerator.amountFen).toBe(expected.paid);
        expect(answer.allocatedFen).toBe(expected.allocated);
        expect(answer.unallocatedSweptToPoolFen).toBe(expected.swept);
        expect(answer.byCounty.map((row) => [row.countyCode, row.paidFen, row.sentToCountyFen])).toEqual(expected.byCounty);
        expect(answer.monthly.map((row) => [row.month, row.paidFen])).toEqual(expected.monthly);
        expect(answer.untracedPaidFen).toBe(expected.byAllocation.get('(none)') ?? 0);
        for (const row of answer.byAllocation) expect(row.paidFen).toBe(expected.byAllocation.get(row.allocationId) ?? 0);
        for (const [direction, fen] of expected.byDirection) expect(answer.byDirection.find((row) => row.direction === direction)?.paidFen).toBe(fen);
        expect(answer.arrivalByLevel.slice(1, -1).map((row) => [row.level, row.receivedFen, row.plannedFen])).toEqual(expected.arrival);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(4);
  });

  test('held-up: the waiting projects of each holder are those registered, open and paid less than approved at the cut', async () => {
    let compared = 0;
    for (const fundId of fundIds) {
      for (const cut of cuts) {
        const answer = await QUERIES['held-up'](db, fundId, cut).catch((error: Error) => error.name);
        if (answer === 'FundNotFoundError') continue;
        if (typeof answer === 'string') throw new Error(answer);
        const waiting = await waitingByRows(db, fundId, cut);
        for (const holder of answer.holders) {
          const mine = waiting.filter(({ project }) => !holder.countyCode || project.county_code === holder.countyCode);
          expect(holder.waitingProjectsCount).toBe(mine.length);
          expect(holder.waitingFen).toBe(mine.reduce((sum, { project, paidFen }) => sum + Number(project.approved_fen) - paidFen, 0));
          const top = [...mine].sort((a, b) => Number(b.project.approved_fen) - b.paidFen - (Number(a.project.approved_fen) - a.paidFen) || String(a.project.project_id).localeCompare(String(b.project.project_id)));
          expect(holder.waitingProjects.map((project) => [project.projectId, project.paidFen])).toEqual(top.slice(0, holder.waitingProjects.length).map(({ project, paidFen }) => [project.project_id, paidFen]));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(4);
  });
});

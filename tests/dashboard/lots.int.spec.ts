/**
 * One account's FIFO lots (`GET /api/funds/:fundId/holders/:holderId/lots`, projections/lots.query.ts):
 * - as of a date / a position equals the live answer of a read model rebuilt from the events up to that cut,
 *   for every holder that holds money at the cut on either side (SQLite read model, the demo fund);
 * - the remaining amounts of the lots sum to the holder's balance from the balances query at the same cut;
 * - over HTTP (supertest): the route answers with documents and allocation documents, oldest first, 404s for
 *   an unknown holder or fund, 400 for a bad date, 401 without a token.
 */
import { join } from 'node:path';
import { ProjectionRunner, QUERIES, type Cut } from '../../projections';
import { lotsQuery } from '../../projections/lots.query';
import type { ReadModel } from '../../projections/read-model';
import { fundStreamId } from '../../src/domain';
import type { RecordedEvent } from '../../src/event-store/event-store.port';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { present } from '../../src/shared/present';
import { loadDemo } from '../../src/app/demo-loader';
import { DEMO_FUND, demoStore, freshReadModel, tempDir } from '../projections/support';
import { type TestApp, startTestApp } from '../support/test-app';

jest.setTimeout(60_000);

const TODAY = '2025-06-30';

describe('lots as of a cut equal a rebuild up to it', () => {
  const dir = tempDir();
  const cleanups: Array<() => Promise<void>> = [];
  let store: SqliteEventStore;
  let rebuilt: ReadModel;
  let events: RecordedEvent[];

  async function model(name: string) {
    const made = await freshReadModel('sqlite', dir.path, name);
    cleanups.push(made.drop);
    return made.db;
  }

  beforeAll(async () => {
    store = await demoStore(join(dir.path, 'demo.db'));
    cleanups.push(() => store.close());
    rebuilt = await model('rebuilt');
    const runner = new ProjectionRunner(store, rebuilt);
    await runner.rebuild();
    await runner.close();
    events = await store.readStream(fundStreamId(DEMO_FUND), { fromVersion: 0, limit: 100_000 });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    dir.remove();
  });

  /** Every holder with money at the cut in either read model, and each one's lots from both, the cut fields blanked. */
  async function compare(truncated: ReadModel, cut: Cut, liveCut: Cut) {
    const atCut = await QUERIES.balances(rebuilt, DEMO_FUND, cut);
    const fromTruncated = await QUERIES.balances(truncated, DEMO_FUND, liveCut);
    const holderIds = [...new Set([...atCut.holders, ...fromTruncated.holders].map((holder) => holder.holderId))].sort();
    expect(holderIds.length).toBeGreaterThan(0);
    let lotsSeen = 0;
    for (const holderId of holderIds) {
      const asOf = present(await lotsQuery(rebuilt, DEMO_FUND, holderId, cut, events)) as { cut: unknown; lots: unknown[] };
      const live = present(await lotsQuery(truncated, DEMO_FUND, holderId, liveCut, events)) as { cut: unknown };
      expect({ ...asOf, cut: null }).toEqual({ ...live, cut: null });
      // the lots add up to the balance at the cut
      const answer = await lotsQuery(rebuilt, DEMO_FUND, holderId, cut, events);
      const balance = atCut.holders.find((holder) => holder.holderId === holderId)?.balanceFen ?? 0;
      expect(answer.heldFen).toBe(balance);
      expect(answer.lots.reduce((sum, lot) => sum + lot.remainingFen, 0)).toBe(balance);
      // oldest first
      const ages = answer.lots.map((lot) => lot.ageFrom);
      expect(ages).toEqual([...ages].sort());
      lotsSeen += answer.lots.length;
    }
    expect(lotsSeen).toBeGreaterThanOrEqual(holderIds.length);
  }

  test.each(['2022-06-30', '2022-09-30', '2022-12-31', '2023-03-31'])('as of %s', async (date) => {
    const truncated = await model(`date-${date}`);
    const runner = new ProjectionRunner(store, truncated);
    await runner.rebuild(undefined, { filter: (event) => event.type === 'HolderRegistered' || event.metadata.occurredAt <= date });
    await runner.close();
    await compare(truncated, { asOf: date }, { today: date });
  });

  test('as of positions through the history (and at the head, equal to the live answer)', async () => {
    const head = await store.headPosition();
    const positions = [Math.floor(head / 3), Math.floor((head * 2) / 3), head - 5, head];
    for (const position of positions) {
      const truncated = await model(`position-${position}`);
      const runner = new ProjectionRunner(store, truncated);
      await runner.rebuild(undefined, { until: position });
      await runner.close();
      await compare(truncated, { atPosition: position, today: TODAY }, { today: TODAY });
    }
  });

  test('a source document and the allocation document the lot traces to', async () => {
    const answer = await lotsQuery(rebuilt, DEMO_FUND, 'cf-150121', { asOf: '2022-12-31' }, events);
    const everything = await Promise.all(
      (await QUERIES.balances(rebuilt, DEMO_FUND, { asOf: '2022-12-31' })).holders.map((holder) => lotsQuery(rebuilt, DEMO_FUND, holder.holderId, { asOf: '2022-12-31' }, events)),
    );
    const lots = [...answer.lots, ...everything.flatMap((one) => one.lots)];
    const transfer = lots.find((lot) => lot.source.kind === 'transfer');
    expect(transfer?.source.document).toMatch(/〔\d{4}〕\d+号/);
    expect(transfer?.source.fromName).toBeTruthy();
    expect(lots.some((lot) => lot.allocation?.document && /〔\d{4}〕\d+号/.test(lot.allocation.document))).toBe(true);
    for (const lot of lots) expect(lot.ageDays).toBe((Date.parse('2022-12-31') - Date.parse(lot.ageFrom)) / 86_400_000);
  });
});

describe('GET /api/funds/:fundId/holders/:holderId/lots over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    await loadDemo(app.runtime.ledger);
  });
  afterAll(async () => {
    await app?.close();
  });

  test('lots of each holder at a date sum to its balance from /balances at that date', async () => {
    const balances = (await app.http().get(`/api/funds/${DEMO_FUND}/balances?asOf=2022-12-31`).expect(200)).body;
    const holders = balances.holders.filter((holder: { level: string }) => holder.level !== 'enterprise');
    expect(holders.length).toBeGreaterThan(2);
    for (const holder of holders) {
      const answer = (await app.http().get(`/api/funds/${DEMO_FUND}/holders/${holder.holderId}/lots?asOf=2022-12-31`).expect(200)).body;
      expect(answer.held).toBe(holder.balance);
      const fen = answer.lots.reduce((sum: number, lot: { remaining: string }) => sum + Math.round(Number(lot.remaining) * 100), 0);
      expect(fen).toBe(Math.round(Number(holder.balance) * 100));
      expect(answer.cut).toEqual({ asOf: '2022-12-31', atPosition: null });
      for (const lot of answer.lots) {
        expect(lot).toEqual(expect.objectContaining({ arrivedOn: expect.any(String), amountIn: expect.any(String), remaining: expect.any(String), ageDays: expect.any(Number) }));
        expect(['transfer', 'allocation', 'return', 'payout', 'reversal']).toContain(lot.source.kind);
      }
    }
  });

  test('live without a cut; 404 for an unknown holder or fund, 400 for a bad date, 401 without a token', async () => {
    const live = (await app.http().get(`/api/funds/${DEMO_FUND}/holders/cf-150121/lots`).expect(200)).body;
    expect(live.cut).toEqual({ asOf: null, atPosition: null });
    expect((await app.http().get(`/api/funds/${DEMO_FUND}/holders/nobody/lots`).expect(404)).body.error).toBe('unknown-holder');
    expect((await app.http().get('/api/funds/no-such-fund/holders/cf-150121/lots').expect(404)).body.error).toBe('unknown-fund');
    await app.http().get(`/api/funds/${DEMO_FUND}/holders/cf-150121/lots?asOf=2022-13`).expect(400);
    await app.anonymous().get(`/api/funds/${DEMO_FUND}/holders/cf-150121/lots`).expect(401);
  });
});

/**
 * The projections against the events, on SQLite and on PostgreSQL read models (a fresh schema per run, dropped after):
 * - rebuild equals live: folding as events arrive (small batches, the runner restarted midway so that state is
 *   loaded back from the tables) gives exactly the rows of one rebuild from scratch;
 * - as of a position equals a rebuild of the events up to it; as of a date equals a rebuild of the events dated
 *   on or before it (demo fund at chosen dates, synthetic history at random cut points);
 * - conservation: at every cut, holders + in transit + unallocated = appropriated.
 */
import { join } from 'node:path';
import { ProjectionRunner, QUERIES, type Cut, type QueryName } from '../../projections';
import type { ReadModel } from '../../projections/read-model';
import { loadDemo } from '../../src/app/demo-loader';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { present } from '../../src/shared/present';
import { Prng } from '../../bench/synthetic';
import { DEMO_FUND, type ReadModelKind, freshReadModel, tablesOf, tempDir } from './support';
import { appendSynthetic } from './support-history';

const KINDS: ReadModelKind[] = process.env.FUNDTRAIL_SKIP_PG === 'true' ? ['sqlite'] : ['sqlite', 'postgres'];
const TODAY = '2025-06-30';
const QUERY_NAMES = Object.keys(QUERIES) as QueryName[];

async function answers(db: ReadModel, fundIds: string[], cut: Cut): Promise<unknown> {
  const result: Record<string, unknown> = {};
  for (const fundId of fundIds) for (const name of QUERY_NAMES) result[`${fundId} ${name}`] = present(await QUERIES[name](db, fundId, cut).catch((error: Error) => error.name));
  return result;
}

describe.each(KINDS)('projections on a %s read model', (kind) => {
  const dir = tempDir();
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    dir.remove();
  });
  async function model(name: string) {
    const made = await freshReadModel(kind, dir.path, name);
    cleanups.push(made.drop);
    return made.db;
  }

  describe('the demo fund', () => {
    let store: SqliteEventStore;
    let rebuilt: ReadModel;
    beforeAll(async () => {
      store = new SqliteEventStore({ filename: join(dir.path, `demo-${kind}.db`) });
      cleanups.push(() => store.close());
      // live: the runner catches up after every step of the demo, and is replaced by a new one halfway
      const live = await model('demo-live');
      let runner = new ProjectionRunner(store, live);
      const ledger = new Ledger(store, () => new Date('2023-05-17T00:00:00Z'));
      let step = 0;
      await loadDemo(ledger);
      // replay: the demo is loaded; fold it as a live runner would have, step by step by position
      const head = await store.headPosition();
      for (let position = 1; position <= head; position += 7) {
        await runner.catchUp({ until: position });
        if (++step === 15) {
          await runner.close();
          runner = new ProjectionRunner(store, live);
        }
      }
      await runner.catchUp();
      await runner.close();
      rebuilt = await model('demo-rebuilt');
      const rebuilder = new ProjectionRunner(store, rebuilt);
      await rebuilder.rebuild();
      await rebuilder.close();
      (globalThis as Record<string, unknown>)[`live-${kind}`] = live;
    });

    test('rebuild equals live: the same rows in every table', async () => {
      const live = (globalThis as Record<string, unknown>)[`live-${kind}`] as ReadModel;
      expect(await tablesOf(rebuilt)).toEqual(await tablesOf(live));
    });

    test('the live answers equal the answers as of the head', async () => {
      const head = await store.headPosition();
      const live = await answers(rebuilt, [DEMO_FUND], { today: TODAY });
      const atHead = await answers(rebuilt, [DEMO_FUND], { atPosition: head, today: TODAY });
      expect(JSON.parse(JSON.stringify(atHead).replaceAll(`"atPosition":${head}`, '"atPosition":null'))).toEqual(live);
    });

    test.each(['2022-06-30', '2022-09-30', '2022-12-31', '2023-03-31'])('as of %s equals a rebuild of the events dated on or before it', async (date) => {
      const truncated = await model(`demo-${date}`);
      const runner = new ProjectionRunner(store, truncated);
      await runner.rebuild(undefined, { filter: (event) => event.type === 'HolderRegistered' || event.metadata.occurredAt <= date });
      await runner.close();
      const asOf = await answers(rebuilt, [DEMO_FUND], { asOf: date });
      const fromTruncated = await answers(truncated, [DEMO_FUND], { today: date });
      expect(JSON.parse(JSON.stringify(asOf).replaceAll(`"asOf":"${date}"`, '"asOf":null'))).toEqual(fromTruncated);
    });

    test('conservation holds at every 10th position, and the demo reconciles with the evaluation report', async () => {
      const head = await store.headPosition();
      for (let position = 1; position <= head; position += 10) {
        const balances = await QUERIES.balances(rebuilt, DEMO_FUND, { atPosition: position }).catch(() => undefined);
        if (balances) expect(balances.conservation.reconciles).toBe(true);
      }
      const balances = await QUERIES.balances(rebuilt, DEMO_FUND);
      expect(balances.conservation).toMatchObject({ placesFen: 15_000_000_000, appropriatedFen: 15_000_000_000, reconciles: true });
      const execution = await QUERIES.execution(rebuilt, DEMO_FUND);
      expect(execution.budgetFen).toBe(15_000_000_000);
      expect(execution.allocatedFen).toBe(13_195_350_000);
      expect(execution.unallocatedSweptToPoolFen).toBe(1_804_650_000);
      expect(execution.numerator.amountFen).toBe(2_351_020_000);
      expect(execution.rates.budget.rate).toBe('15.67%');
      expect(execution.rates.allocated.rate).toBe('17.82%');
    });
  });

  describe('a synthetic province (bench/synthetic.ts, small)', () => {
    let store: SqliteEventStore;
    let rebuilt: ReadModel;
    let live: ReadModel;
    let fundIds: string[];
    beforeAll(async () => {
      store = new SqliteEventStore({ filename: join(dir.path, `synthetic-${kind}.db`) });
      cleanups.push(() => store.close());
      live = await model('synthetic-live');
      let runner = new ProjectionRunner(store, live);
      await appendSynthetic(store, async (index) => {
        if (index % 25 !== 0) return;
        await runner.catchUp({ batchSize: 300 });
        if (index % 500 === 0) {
          await runner.close();
          runner = new ProjectionRunner(store, live);
        }
      });
      await runner.catchUp({ batchSize: 300 });
      await runner.close();
      rebuilt = await model('synthetic-rebuilt');
      const rebuilder = new ProjectionRunner(store, rebuilt);
      await rebuilder.rebuild();
      await rebuilder.close();
      fundIds = (await rebuilt.all<{ fund_id: string }>('SELECT fund_id FROM {pj_fund} ORDER BY fund_id')).map((row) => row.fund_id).slice(0, 2);
    }, 120_000);

    test('rebuild equals live: the same rows in every table', async () => {
      expect(await tablesOf(rebuilt)).toEqual(await tablesOf(live));
    });

    test('transactions spanning several store pages give the same rows (rebuild, and a live catch-up restarted midway)', async () => {
      const paged = await model('synthetic-paged');
      const rebuilder = new ProjectionRunner(store, paged);
      await rebuilder.rebuild(undefined, { batchSize: 1_000, pageSize: 70 });
      await rebuilder.close();
      expect(await tablesOf(paged)).toEqual(await tablesOf(rebuilt));
      const head = await store.headPosition();
      const resumed = await model('synthetic-paged-live');
      let runner = new ProjectionRunner(store, resumed);
      await runner.catchUp({ until: Math.floor(head / 3), batchSize: 500, pageSize: 45 });
      await runner.close();
      runner = new ProjectionRunner(store, resumed); // state loaded back from the tables, not fresh
      await runner.catchUp({ batchSize: 800, pageSize: 33 });
      await runner.close();
      expect(await tablesOf(resumed)).toEqual(await tablesOf(rebuilt));
    }, 120_000);

    test('as of random positions equals a rebuild of the events up to each', async () => {
      const head = await store.headPosition();
      const prng = new Prng(42);
      for (let cut = 0; cut < 3; cut++) {
        const position = 1 + Math.floor(prng.next() * head);
        const truncated = await model(`synthetic-p${position}`);
        const runner = new ProjectionRunner(store, truncated);
        await runner.rebuild(undefined, { until: position });
        await runner.close();
        const atPosition = await answers(rebuilt, fundIds, { atPosition: position, today: TODAY });
        const fromTruncated = await answers(truncated, fundIds, { today: TODAY });
        expect(JSON.parse(JSON.stringify(atPosition).replaceAll(`"atPosition":${position}`, '"atPosition":null'))).toEqual(fromTruncated);
      }
    }, 120_000);

    test('as of random dates equals a rebuild of the events dated on or before each', async () => {
      const [{ first, last }] = await rebuilt.all<{ first: string; last: string }>('SELECT MIN(occurred_at) AS first, MAX(occurred_at) AS last FROM {pj_flow}');
      const from = Date.parse(first);
      const span = Date.parse(last) - from;
      const prng = new Prng(4242);
      for (let cut = 0; cut < 3; cut++) {
        const date = new Date(from + Math.floor(prng.next() * span)).toISOString().slice(0, 10);
        const truncated = await model(`synthetic-${date}`);
        const runner = new ProjectionRunner(store, truncated);
        await runner.rebuild(undefined, { filter: (event) => event.type === 'HolderRegistered' || event.metadata.occurredAt <= date });
        await runner.close();
        const asOf = await answers(rebuilt, fundIds, { asOf: date });
        const fromTruncated = await answers(truncated, fundIds, { today: date });
        expect(JSON.parse(JSON.stringify(asOf).replaceAll(`"asOf":"${date}"`, '"asOf":null'))).toEqual(fromTruncated);
      }
    }, 120_000);

    test('conservation holds for every fund live and at random positions', async () => {
      const head = await store.headPosition();
      const all = (await rebuilt.all<{ fund_id: string }>('SELECT fund_id FROM {pj_fund}')).map((row) => row.fund_id);
      const prng = new Prng(9);
      for (const fundId of all) {
        expect((await QUERIES.balances(rebuilt, fundId)).conservation.reconciles).toBe(true);
        for (let cut = 0; cut < 3; cut++) {
          const balances = await QUERIES.balances(rebuilt, fundId, { atPosition: 1 + Math.floor(prng.next() * head) }).catch(() => undefined);
          if (balances) expect(balances.conservation.reconciles).toBe(true);
        }
      }
    });
  });
});

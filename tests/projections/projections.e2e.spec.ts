/**
 * The four endpoints through HTTP on the demo fund: figures agree with the evaluation report, every execution
 * answer names numerator, base and formula, as-of cuts answer, an unknown fund is a 404, /health shows the lag.
 */
import { loadDemo } from '../../src/app/demo-loader';
import { type TestApp, startTestApp } from '../support/test-app';

const FUND = 'hohhot-2022-industrial';
let test_app: TestApp;

beforeAll(async () => {
  test_app = await startTestApp({ clock: () => new Date('2023-04-10T00:00:00Z') });
  await loadDemo(test_app.runtime.ledger);
}, 60_000);
afterAll(() => test_app.close());

test('GET balances: conservation holds and the pool holds the swept 1804.65万', async () => {
  const response = await test_app.http().get(`/api/funds/${FUND}/balances`).expect(200);
  expect(response.body.appropriated).toBe('150000000.00');
  expect(response.body.conservation.reconciles).toBe(true);
  expect(response.body.byLevel.find((row: { level: string }) => row.level === 'pool').balance).toBe('18046500.00');
  expect(response.body.atEnterprises).toBe('23510200.00');
});

test('GET execution: 2351.02万 paid; the base is named; 15.67% of the budget, 17.82% of what was allocated', async () => {
  const response = await test_app.http().get(`/api/funds/${FUND}/execution`).expect(200);
  expect(response.body.numerator.amount).toBe('23510200.00');
  expect(response.body.base).toMatchObject({ name: 'budget', amount: '150000000.00' });
  expect(response.body.formula).toBe('paidToEnterprises ÷ budget');
  expect(response.body.rate).toBe('15.67%');
  expect(response.body.rates.allocated).toMatchObject({ base: '131953500.00', rate: '17.82%' });
  expect(response.body.byAllocation.map((row: { allocated: string }) => row.allocated)).toEqual(['4191800.00', '122513100.00', '3000000.00', '2248600.00']);
  const allocated = await test_app.http().get(`/api/funds/${FUND}/execution?base=allocated`).expect(200);
  expect(allocated.body.rate).toBe('17.82%');
});

test('GET dwell and held-up: money held at county level, oldest first by amount × age, with the projects waiting', async () => {
  const dwell = await test_app.http().get(`/api/funds/${FUND}/dwell`).expect(200);
  expect(dwell.body.agesCountedTo).toBe('2023-04-10');
  expect(dwell.body.held.byLevel.map((row: { key: string }) => row.key)).toContain('county-finance');
  const heldUp = await test_app.http().get(`/api/funds/${FUND}/held-up`).expect(200);
  expect(heldUp.body.holders.length).toBeGreaterThan(0);
  const scores = heldUp.body.holders.map((row: { fenDays: number }) => row.fenDays);
  expect([...scores].sort((a: number, b: number) => b - a)).toEqual(scores);
  expect(heldUp.body.holders.some((row: { waitingProjectsCount: number }) => row.waitingProjectsCount > 0)).toBe(true);
});

test('as of a date and at a position; bad cuts are 400, an unknown fund 404; /health shows each projection’s lag', async () => {
  const early = await test_app.http().get(`/api/funds/${FUND}/execution?asOf=2022-06-30`).expect(200);
  expect(early.body.cut.asOf).toBe('2022-06-30');
  const head = await test_app.runtime.store.headPosition();
  const atPosition = await test_app.http().get(`/api/funds/${FUND}/balances?atPosition=${head - 20}`).expect(200);
  expect(atPosition.body.cut.atPosition).toBe(head - 20);
  expect(atPosition.body.conservation.reconciles).toBe(true);
  await test_app.http().get(`/api/funds/${FUND}/balances?atPosition=1`).expect(404); // the fund did not exist yet
  await test_app.http().get(`/api/funds/${FUND}/balances?asOf=yesterday`).expect(400);
  await test_app.http().get(`/api/funds/no-such-fund/dwell`).expect(404);
  const health = await test_app.http().get('/health').expect(200);
  expect(health.body.projections.projections.map((row: { name: string; lag: number }) => [row.name, row.lag])).toEqual([
    ['money', 0],
    ['projects', 0],
  ]);
});

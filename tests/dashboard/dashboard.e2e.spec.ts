/**
 * The dashboard in headless Chromium against the app with the demo fund: every page loads without a
 * console error, the Sankey's totals equal the API's, the date slider changes the numbers, the public
 * page works without signing in. Screenshots of each page go to docs/screenshots/.
 */
import { FUND_ID, type Dashboard, type WatchedPage, openPage, ready, screenshot, startDashboard } from './browser';

/** Browser globals, only inside functions that run in the page (compiled without the DOM lib). */
declare const document: any, window: any, Event: any;

jest.setTimeout(60_000);

let dashboard: Dashboard;
let signedIn: WatchedPage;

const api = async (path: string) => {
  const response = await dashboard.app.http().get(path);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

/** 万元 with two decimals and grouping, as the page shows it. */
const wan = (yuan: string) => {
  const [whole, decimals] = yuan.split('.');
  const fen = Number(whole) * 100 + Number(decimals);
  const hundredths = Math.floor((fen + 5_000) / 10_000);
  return `${String(Math.floor(hundredths / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${String(hundredths % 100).padStart(2, '0')}`;
};

/** "1234.56" (元) → fen, exact. */
const fenOf = (yuan: string) => {
  const negative = yuan.startsWith('-');
  const [whole, decimals = ''] = yuan.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number((decimals + '00').slice(0, 2));
  return negative ? -value : value;
};

/** Drags the header's date slider to a day, as a person does (input, then change on release). */
async function moveSlider(page: WatchedPage['page'], iso: string): Promise<void> {
  const first = await page.evaluate(() => (window as unknown as { fundtrail: { state: { first: string } } }).fundtrail.state.first);
  const offset = (Date.parse(iso) - Date.parse(first)) / 86_400_000;
  await page.locator('#asof').evaluate((slider: { value: string; dispatchEvent(event: unknown): boolean }, value) => {
    slider.value = String(value);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    slider.dispatchEvent(new Event('change', { bubbles: true }));
  }, offset);
  await page.waitForFunction((day) => document.getElementById('view')?.dataset.asOf === day && document.body.dataset.state === 'ready', iso);
}

const kpiText = (page: WatchedPage['page'], name: string) => page.locator(`[data-kpi="${name}"] .kpi-value`).innerText();

beforeAll(async () => {
  dashboard = await startDashboard();
  signedIn = await openPage(dashboard, dashboard.app.adminToken);
});

afterAll(async () => {
  await dashboard?.close();
});

afterEach(() => {
  // each test reads the problems of its own page(s); a leftover means a test forgot to look
  signedIn.problems.length = 0;
});

test('/ opens the overview; the Sankey’s totals equal the fund API’s', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/`);
  await ready(page, 'overview');
  await page.waitForFunction(() => Boolean(document.querySelector('.chart.sankey canvas')));
  const fund = await api(`/api/funds/${FUND_ID}`);
  const balances = await api(`/api/funds/${FUND_ID}/balances`);
  const sankey = await page.evaluate(() => (window as unknown as { fundtrail: { sankey: { totals: Record<string, string> } } }).fundtrail.sankey);
  expect(sankey.totals.budget).toBe(fund.budget);
  expect(sankey.totals.city).toBe(fund.allocated);
  expect(sankey.totals.enterprise).toBe(fund.paidToEnterprises);
  expect(sankey.totals.enterprise).toBe(balances.atEnterprises);
  expect(sankey.totals.pool).toBe('18046500.00');
  // what the chart itself draws (万元) agrees to the fen
  const drawn = await page.evaluate(() => {
    const chart = (window as unknown as { echarts: { getInstanceByDom(node: unknown): { getOption(): { series: Array<{ links: Array<{ source: string; target: string; value: number }> }> } } } }).echarts.getInstanceByDom(document.querySelector('.chart.sankey')!);
    const links = chart.getOption().series[0].links;
    const into = (node: string) => links.filter((link) => link.target === node).reduce((sum, link) => sum + link.value, 0);
    const out = (node: string) => links.filter((link) => link.source === node).reduce((sum, link) => sum + link.value, 0);
    return { budget: out('budget'), enterprise: into('enterprise'), allocated: into('city') };
  });
  expect(drawn.budget).toBeCloseTo(Number(fund.budget) / 10_000, 4);
  expect(drawn.enterprise).toBeCloseTo(Number(fund.paidToEnterprises) / 10_000, 4);
  expect(drawn.allocated).toBeCloseTo(Number(fund.allocated) / 10_000, 4);
  // the headline figures, in 万元 with two decimals
  expect(await kpiText(page, 'budget')).toBe(`${wan(fund.budget)} 万元`);
  expect(await kpiText(page, 'paid')).toBe('2,351.02 万元');
  expect(await kpiText(page, 'allocated')).toBe(`${wan(fund.allocated)} 万元`);
  const atCountyFinance = balances.byLevel.find((level: { level: string }) => level.level === 'county-finance').balance;
  expect(await kpiText(page, 'county')).toBe(`${wan(atCountyFinance)} 万元`);
  const execution = await api(`/api/funds/${FUND_ID}/execution`);
  expect(await page.locator('[data-rate="execution-budget"] .rate-value').innerText()).toBe(execution.rates.budget.rate);
  expect(execution.rates.budget.rate).toBe('15.67%');
  await expect(page.locator('[data-rate="execution-budget"] .rate-formula').innerText()).resolves.toContain('÷');
  await expect(page.locator('h1').innerText()).resolves.toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
  await screenshot(page, 'overview');
  expect(problems).toEqual([]);
});

test('the date slider redraws the overview as of that day, equal to the projections at that date', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/overview`);
  await ready(page, 'overview');
  const before = await kpiText(page, 'paid');
  // drag the slider to 2022-10-31 (days from the first event)
  const first = await page.evaluate(() => (window as unknown as { fundtrail: { state: { first: string } } }).fundtrail.state.first);
  const offset = (Date.parse('2022-10-31') - Date.parse(first)) / 86_400_000;
  await page.locator('#asof').evaluate((slider: { value: string; dispatchEvent(event: unknown): boolean }, value) => {
    slider.value = String(value);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    slider.dispatchEvent(new Event('change', { bubbles: true }));
  }, offset);
  await page.waitForFunction(() => document.getElementById('view')?.dataset.asOf === '2022-10-31' && document.body.dataset.state === 'ready');
  await expect(page.locator('#asof-text').innerText()).resolves.toBe('2022年10月31日');
  const balances = await api(`/api/funds/${FUND_ID}/balances?asOf=2022-10-31`);
  const after = await kpiText(page, 'paid');
  expect(after).not.toBe(before);
  expect(after).toBe(`${wan(balances.atEnterprises)} 万元`);
  const sankey = await page.evaluate(() => (window as unknown as { fundtrail: { sankey: { asOf: string; totals: Record<string, string> } } }).fundtrail.sankey);
  expect(sankey.asOf).toBe('2022-10-31');
  expect(sankey.totals.enterprise).toBe(balances.atEnterprises);
  expect(sankey.totals['held:unallocated']).toBe(balances.unallocated);
  const execution = await api(`/api/funds/${FUND_ID}/execution?asOf=2022-10-31`);
  expect(await page.locator('[data-rate="execution-budget"] .rate-value').innerText()).toBe(execution.rates.budget.rate);
  await screenshot(page, 'time-travel');
  // every other view follows the same date
  await page.click('nav a[data-view="timeline"]');
  await ready(page, 'timeline');
  const events = (await api(`/api/funds/${FUND_ID}/events`)).events as Array<{ metadata: { occurredAt: string } }>;
  const upTo = events.filter((event) => event.metadata.occurredAt <= '2022-10-31').length;
  expect(await page.locator('.timeline tbody tr').count()).toBe(upTo);
  expect(problems).toEqual([]);
});

test('held up: the heat map and the largest, oldest holdings with the projects waiting; a click opens the account', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/held-up?asOf=2022-12-31`);
  await ready(page, 'held-up');
  await page.waitForFunction(() => Boolean(document.querySelector('.chart.heat canvas')));
  const heldUp = await api(`/api/funds/${FUND_ID}/held-up?asOf=2022-12-31`);
  const rows = page.locator('.held-up tbody tr[data-holder]');
  expect(await rows.count()).toBe(heldUp.holders.length);
  await expect(rows.first().locator('td').nth(3).innerText()).resolves.toBe(wan(heldUp.holders[0].held));
  await screenshot(page, 'held-up');
  // the account with the most lots that day (the first rows hold a single lot each)
  const lotCounts: number[] = [];
  for (const holder of heldUp.holders) lotCounts.push((await api(`/api/funds/${FUND_ID}/holders/${holder.holderId}/lots?asOf=2022-12-31`)).lotsCount);
  const index = lotCounts.indexOf(Math.max(...lotCounts));
  const account = heldUp.holders[index];
  await rows.nth(index).click();
  await page.waitForSelector('.account-detail .chart.buckets canvas');
  await page.waitForSelector('.account-detail .lots tr[data-lot]');
  await expect(page.locator('.account-detail h2').innerText()).resolves.toContain(account.name);
  await expect(page.locator('.account-detail h2').innerText()).resolves.toContain('2022年12月31日');
  // its FIFO lots, oldest first, exactly as the lots API gives them, adding up to its balance from /balances that day
  const holderId: string = account.holderId;
  const balances = await api(`/api/funds/${FUND_ID}/balances?asOf=2022-12-31`);
  const balance: string = balances.holders.find((holder: { holderId: string }) => holder.holderId === holderId).balance;
  const lots = await api(`/api/funds/${FUND_ID}/holders/${holderId}/lots?asOf=2022-12-31`);
  const shown = await page.$$eval('.account-detail .lots tr[data-lot]', (trs: any[]) => trs.map((tr) => ({ lot: tr.dataset.lot, remaining: tr.dataset.remaining, age: tr.dataset.age })));
  expect(shown).toEqual(lots.lots.map((lot: { lotId: number; remaining: string; ageDays: number }) => ({ lot: String(lot.lotId), remaining: lot.remaining, age: String(lot.ageDays) })));
  expect(shown.length).toBeGreaterThan(1);
  expect(shown.reduce((sum: number, lot: { remaining: string }) => sum + fenOf(lot.remaining), 0)).toBe(fenOf(balance));
  const ages = shown.map((lot: { age: string }) => Number(lot.age));
  expect(ages).toEqual([...ages].sort((a, b) => b - a));
  expect(Math.max(...ages)).toBe(account.oldestAgeDays);
  await expect(page.locator('.account-detail .lots-total').innerText()).resolves.toContain(`${wan(balance)} 万元`);
  await expect(page.locator('.account-detail .lots tbody').innerText()).resolves.toMatch(/〔\d{4}〕\d+号/);
  await page.locator('.account-detail .lots').scrollIntoViewIfNeeded();
  await screenshot(page, 'held-up-account');
  expect(problems).toEqual([]);
});

test('timeline: every event up to the date with its document number', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/timeline`);
  await ready(page, 'timeline');
  const events = (await api(`/api/funds/${FUND_ID}/events`)).events;
  expect(await page.locator('.timeline tbody tr').count()).toBe(events.length);
  await expect(page.locator('.timeline tbody').innerText()).resolves.toContain('呼财工指〔2022〕28号');
  await screenshot(page, 'timeline');
  expect(problems).toEqual([]);
});

test('projects and enterprises: the registry, 正耐电气’s duplicate award highlighted, its history', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/projects`);
  await ready(page, 'projects');
  const projects = await api(`/api/projects?fundId=${FUND_ID}`);
  expect(await page.locator('tr[data-project]').count()).toBe(projects.length);
  const duplicate = page.locator('tr[data-duplicate]');
  await expect(duplicate.first().innerText()).resolves.toContain('正耐电气');
  expect(await page.locator('tr[data-project].duplicate').count()).toBeGreaterThanOrEqual(2);
  await screenshot(page, 'projects');
  await page.locator('tr[data-project].duplicate a.enterprise-link').first().click();
  await page.waitForSelector('.history h2');
  await expect(page.locator('.history h2').innerText()).resolves.toContain('正耐电气');
  await screenshot(page, 'enterprise-history');
  expect(problems).toEqual([]);
});

test('the slider moves the project registry (paid, progress, status) and the alerts inbox to that day, as the APIs give it', async () => {
  const { page, problems } = signedIn;
  const DAY = '2022-10-31';
  await page.goto(`${dashboard.base}/dashboard/#/projects`);
  await ready(page, 'projects');
  await expect(page.locator('#asof-badge').isHidden()).resolves.toBe(true);
  const paidIn = () =>
    page.$$eval('tr[data-project]', (trs: any[]) => Object.fromEntries(trs.map((tr) => [tr.dataset.project, tr.querySelectorAll('td')[6].innerText])));
  const latest = await paidIn();
  await moveSlider(page, DAY);
  await ready(page, 'projects');
  // the header says which day every view is at
  await expect(page.locator('#asof-badge').innerText()).resolves.toContain('2022年10月31日');
  await expect(page.locator('h1').innerText()).resolves.toContain('2022年10月31日');
  const asOf = await api(`/api/dashboard/funds/${FUND_ID}/projects?asOf=${DAY}`);
  const shown = await paidIn();
  expect(Object.keys(shown).sort()).toEqual(asOf.projects.map((project: { projectId: string }) => project.projectId).sort());
  for (const project of asOf.projects) expect(shown[project.projectId]).toBe(wan(project.paid));
  expect(Object.keys(shown).some((projectId) => shown[projectId] !== latest[projectId])).toBe(true);
  // duplicate awards as of that day: enterprises with two projects in one direction registered by then, no more
  const perAward = new Map<string, number>();
  for (const project of (await api('/api/projects')).filter((entry: { registeredOn: string }) => entry.registeredOn <= DAY)) {
    const key = `${project.enterpriseHolderId}|${project.direction}`;
    perAward.set(key, (perAward.get(key) ?? 0) + 1);
  }
  const expectedDuplicates = [...new Set([...perAward].filter(([, count]) => count > 1).map(([key]) => key.split('|')[0]))].sort();
  const shownDuplicates = [...new Set(await page.$$eval('tr[data-duplicate]', (trs: any[]) => trs.map((tr) => tr.dataset.duplicate)))].sort();
  expect(shownDuplicates).toEqual(expectedDuplicates);
  // what the projects were paid that day adds up to what the projections say reached enterprises by then
  const balances = await api(`/api/funds/${FUND_ID}/balances?asOf=${DAY}`);
  expect(asOf.projects.reduce((sum: number, project: { paid: string }) => sum + fenOf(project.paid), 0)).toBe(fenOf(balances.atEnterprises));
  // and at the latest date the replay equals the registry
  const current = await api(`/api/projects?fundId=${FUND_ID}`);
  const replayedNow = await api(`/api/dashboard/funds/${FUND_ID}/projects`);
  for (const project of current) {
    const replayed = replayedNow.projects.find((candidate: { projectId: string }) => candidate.projectId === project.projectId);
    expect({ paid: replayed.paid, progressPercent: replayed.progressPercent, status: replayed.status }).toEqual({ paid: project.paid, progressPercent: project.progressPercent, status: project.status });
  }
  await page.evaluate(() => (window as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await screenshot(page, 'projects-as-of');
  // the alerts inbox at that day: what would have been raised by then, exactly
  const live = await api(`/api/alerts?fundId=${FUND_ID}`);
  await page.click('nav a[data-view="alerts"]');
  await ready(page, 'alerts');
  await expect(page.locator('.alerts h1').innerText()).resolves.toContain('2022年10月31日');
  const findings = await api(`/api/alerts/as-of/${FUND_ID}?date=${DAY}`);
  const alertIds = await page.$$eval('tr[data-alert]', (trs: any[]) => trs.map((tr) => tr.dataset.alert));
  expect(alertIds.length).toBe(findings.alerts.length);
  expect([...alertIds].sort()).toEqual(findings.alerts.map((alert: { alertId: string }) => alert.alertId).sort());
  expect(findings.alerts.length).toBeGreaterThan(0);
  expect(findings.alerts.length).toBeLessThan(live.length);
  for (const alert of findings.alerts) expect(alert.crossedOn <= DAY).toBe(true);
  expect(await page.locator('[data-live]').count()).toBe(0);
  await page.evaluate(() => (window as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await screenshot(page, 'alerts-as-of');
  // back to the latest date: the live inbox again
  await page.click('#asof-latest');
  await ready(page, 'alerts');
  await page.waitForSelector('[data-live="on"]');
  await expect(page.locator('#asof-badge').isHidden()).resolves.toBe(true);
  expect(problems).toEqual([]);
});

test('county league table ranked by execution rate, as the execution API gives it', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/counties`);
  await ready(page, 'counties');
  const execution = await api(`/api/funds/${FUND_ID}/execution`);
  expect(await page.locator('tr[data-county]').count()).toBe(execution.byCounty.length);
  const best = [...execution.byCounty].sort((a: { rate: string }, b: { rate: string }) => parseFloat(b.rate) - parseFloat(a.rate))[0];
  await expect(page.locator('tr[data-county]').first().innerText()).resolves.toContain(best.countyName);
  await screenshot(page, 'counties');
  expect(problems).toEqual([]);
});

test('the English switch changes every label and the date format', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/overview`);
  await ready(page, 'overview');
  await page.click('#lang');
  await ready(page, 'overview');
  await expect(page.locator('nav a[data-view="held-up"]').innerText()).resolves.toBe('Held up');
  await expect(page.locator('h1').innerText()).resolves.toMatch(/\d{1,2} [A-Z][a-z]{2} \d{4}/);
  await expect(kpiText(page, 'paid')).resolves.toBe('2,351.02 10k CNY');
  await screenshot(page, 'overview-en');
  await page.click('#lang');
  await ready(page, 'overview');
  expect(problems).toEqual([]);
});

test('public disclosure (拨付情况公示) works without signing in', async () => {
  const anonymous = await openPage(dashboard);
  try {
    await anonymous.page.goto(`${dashboard.base}/public/`);
    await anonymous.page.waitForFunction(() => document.body.dataset.state === 'ready');
    const disclosure = (await dashboard.app.anonymous().get('/api/public/disclosure').expect(200)).body;
    expect(await anonymous.page.locator('tr[data-payout]').count()).toBe(disclosure[0].payouts.length);
    await expect(anonymous.page.locator('[data-kpi="paid"] .kpi-value').innerText()).resolves.toBe('2,351.02 万元');
    await screenshot(anonymous.page, 'public-disclosure');
    expect(anonymous.problems).toEqual([]);
    // the dashboard itself asks an anonymous visitor to sign in, without a broken page
    await anonymous.page.goto(`${dashboard.base}/dashboard/`);
    await anonymous.page.waitForFunction(() => document.body.dataset.state === 'login');
    await screenshot(anonymous.page, 'login');
  } finally {
    await anonymous.context.close();
  }
});

test('alerts: one raised through the API appears live (SSE) and is acknowledged with a note', async () => {
  const { page, problems } = signedIn;
  await page.goto(`${dashboard.base}/dashboard/#/alerts`);
  await ready(page, 'alerts');
  await page.waitForSelector('[data-live="on"]');
  const before = await page.locator('tr[data-alert]').count();
  // new money arrives at a county department on a past business date: past its limit today, so an alert is due
  const http = dashboard.app.http;
  await http().post(`/api/funds/${FUND_ID}/transfers`).send({ transferId: 't-dashboard-live', fromHolderId: 'cf-150121', toHolderId: 'dept-150121', amount: '100000.00', document: '测试〔2023〕1号', occurredAt: '2023-10-01' }).expect(201);
  await http().post(`/api/funds/${FUND_ID}/transfers/t-dashboard-live/receipt`).send({ occurredAt: '2023-10-02' }).expect(201);
  await http().post('/api/alerts/evaluation').send({}).expect(200);
  const raised = (await api(`/api/alerts?fundId=${FUND_ID}&status=open`)).filter((alert: { holderId: string; since: string }) => alert.holderId === 'dept-150121' && alert.since === '2023-10-02');
  expect(raised.length).toBeGreaterThan(0);
  const alertId: string = raised[0].alertId;
  // it arrives over the stream, without reloading the page
  const row = page.locator(`tr[data-alert="${alertId}"]`);
  await row.waitFor({ timeout: 15_000 });
  expect(await page.locator('tr[data-alert]').count()).toBeGreaterThan(before);
  await expect(row.innerText()).resolves.toContain('2023年10月2日');
  await row.scrollIntoViewIfNeeded();
  await screenshot(page, 'alerts');
  await row.locator('input.ack-note').fill('已电话督促，承诺本月内拨付');
  await row.locator('form.ack button').click();
  await page.waitForFunction((id) => !document.querySelector(`tr[data-alert="${id}"][data-status="open"]`), alertId);
  const acknowledged = await api(`/api/alerts/${alertId}`);
  expect(acknowledged.status).toBe('acknowledged');
  expect(acknowledged.acknowledgements[0].note).toBe('已电话督促，承诺本月内拨付');
  expect(problems).toEqual([]);
});

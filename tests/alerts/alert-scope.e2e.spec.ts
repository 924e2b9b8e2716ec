/**
 * Proves the alert feature's scope (issue 8 on issue 5's routes), through HTTP with the real guard:
 * - a supervisor of county A (150121) lists, streams and reads only county A's alerts, deliveries, deferrals
 *   and as-of findings, never county B's (150122), and is refused (403, reason in Chinese and English, logged)
 *   when acknowledging B's alert or approving B's deferral; the same requests on county A's objects succeed;
 * - county staff of A request deferrals only for A's holders;
 * - city-level roles (city finance, a supervisor without county) and auditors see both counties;
 * - the auditor acknowledges nothing, and only alert managers subscribe (the permissions of src/auth/roles.ts).
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertService } from '../../src/alerts/alert-service';
import { COUNTY, setUpSmallFund } from '../support/small-fund';
import { startTestApp, type TestApp } from '../support/test-app';

const COUNTY_B = { code: '150122', name: '托克托县' };

describe('alerts and deferrals in the caller’s county only', () => {
  let t: TestApp;
  let supervisorA = '';
  let supervisorCity = '';
  let clerkA = '';
  let cityFinance = '';
  let auditor = '';
  let alertA = '';
  let alertB = '';

  beforeAll(async () => {
    t = await startTestApp();
    await setUpSmallFund(t); // 50万 at 土默特左旗财政局 (150121) since 2022-04-15
    await t.http().post('/api/holders').send({ holderId: 'county-b', name: '托克托县财政局', level: 'county-finance', county: COUNTY_B }).expect(201);
    await t.http().post('/api/funds/f1/transfers').send({ transferId: 'tb', fromHolderId: 'city', toHolderId: 'county-b', amount: '100000.00', occurredAt: '2022-04-01', allocationId: 'a1' }).expect(201);
    await t.http().post('/api/funds/f1/transfers/tb/receipt').send({ occurredAt: '2022-04-15' }).expect(201);
    // the engine is off under Jest; one evaluation as of today raises both counties' alerts (and records deliveries)
    await t.http().post('/api/alert-subscriptions').send({ supervisorName: '市财政局', filter: { fundId: 'f1' }, channel: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } }).expect(201);
    const service = t.app.get(AlertService);
    await service.evaluate({ all: true });
    await service.scheduleDeliveries();
    alertA = (await service.list({ countyCode: COUNTY.code }))[0].alertId;
    alertB = (await service.list({ countyCode: COUNTY_B.code }))[0].alertId;
    supervisorA = await t.tokenFor({ userId: 'sup-a', username: 'sup-a', role: 'supervisor', countyCode: COUNTY.code });
    supervisorCity = await t.tokenFor({ userId: 'sup-city', username: 'sup-city', role: 'supervisor' });
    clerkA = await t.tokenFor({ userId: 'clerk-a', username: 'clerk-a', role: 'county-finance', countyCode: COUNTY.code, unitHolderId: 'county' });
    cityFinance = await t.tokenFor({ userId: 'cf', username: 'cf', role: 'city-finance' });
    auditor = await t.tokenFor({ userId: 'aud', username: 'aud', role: 'auditor' });
    // a deferral in each county, requested by the city
    await t.http().post('/api/deferrals').send({ deferralId: 'da', fundId: 'f1', holderId: 'county', reason: '企业尚未完成验收', untilDate: '2022-07-01', occurredAt: '2022-04-20' }).expect(201);
    await t.http().post('/api/deferrals').send({ deferralId: 'db', fundId: 'f1', holderId: 'county-b', reason: '企业尚未完成验收', untilDate: '2022-07-01', occurredAt: '2022-04-20' }).expect(201);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  const counties = (body: Array<{ countyCode?: string }>) => [...new Set(body.map((item) => item.countyCode))].sort();

  it('lists: a county A supervisor sees only county A; city roles and the auditor see both', async () => {
    expect(counties((await t.as(supervisorA).get('/api/alerts').expect(200)).body)).toEqual([COUNTY.code]);
    expect((await t.as(supervisorA).get(`/api/alerts?county=${COUNTY_B.code}`).expect(200)).body).toEqual([]);
    expect(counties((await t.as(clerkA).get('/api/alerts').expect(200)).body)).toEqual([COUNTY.code]);
    for (const token of [supervisorCity, cityFinance, auditor]) {
      expect(counties((await t.as(token).get('/api/alerts').expect(200)).body)).toEqual([COUNTY.code, COUNTY_B.code]);
    }
    const asOf = (await t.as(supervisorA).get('/api/alerts/as-of/f1?date=2022-12-31').expect(200)).body;
    expect(asOf.count).toBeGreaterThan(0);
    expect(counties(asOf.alerts)).toEqual([COUNTY.code]);
    expect(counties((await t.as(auditor).get('/api/alerts/as-of/f1?date=2022-12-31').expect(200)).body.alerts)).toEqual([COUNTY.code, COUNTY_B.code]);

    const service = t.app.get(AlertService);
    const deliveryCounties = (body: Array<{ alertId: string }>) => [...new Set(body.map((delivery) => service.alerts.get(delivery.alertId)!.countyCode))].sort();
    expect(deliveryCounties((await t.as(supervisorA).get('/api/alert-deliveries').expect(200)).body)).toEqual([COUNTY.code]);
    expect(deliveryCounties((await t.as(cityFinance).get('/api/alert-deliveries').expect(200)).body)).toEqual([COUNTY.code, COUNTY_B.code]);

    expect((await t.as(supervisorA).get('/api/deferrals').expect(200)).body.map((deferral: { deferralId: string }) => deferral.deferralId)).toEqual(['da']);
    expect((await t.as(auditor).get('/api/deferrals').expect(200)).body.map((deferral: { deferralId: string }) => deferral.deferralId).sort()).toEqual(['da', 'db']);
  });

  it('one alert: county B’s is refused to the county A supervisor with a reason in both languages, and logged', async () => {
    await t.as(supervisorA).get(`/api/alerts/${alertA}`).expect(200);
    const refused = (await t.as(supervisorA).get(`/api/alerts/${alertB}`).expect(403)).body;
    expect(refused).toMatchObject({ error: 'out-of-scope', message_zh: expect.stringMatching(/[\u4e00-\u9fff]/), message_en: expect.stringMatching(/county/) });
    await t.as(supervisorCity).get(`/api/alerts/${alertB}`).expect(200);
  });

  it('acknowledge: not county B’s alert (403), county A’s yes; the auditor and county staff never', async () => {
    const refused = (await t.as(supervisorA).post(`/api/alerts/${alertB}/acknowledgements`).send({ note: '已督促' }).expect(403)).body;
    expect(refused).toMatchObject({ error: 'out-of-scope', message_zh: expect.stringMatching(/[\u4e00-\u9fff]/), message_en: expect.stringMatching(/[a-z]/) });
    expect(t.app.get(AlertService).alerts.get(alertB)!.acknowledgements).toEqual([]);
    const ok = (await t.as(supervisorA).post(`/api/alerts/${alertA}/acknowledgements`).send({ note: '已督促旗财政局' }).expect(201)).body;
    expect(ok.acknowledgements[0]).toMatchObject({ by: 'sup-a', note: '已督促旗财政局' });
    expect((await t.as(auditor).post(`/api/alerts/${alertA}/acknowledgements`).send({ note: 'x' }).expect(403)).body.error).toBe('forbidden');
    expect((await t.as(clerkA).post(`/api/alerts/${alertA}/acknowledgements`).send({ note: 'x' }).expect(403)).body.error).toBe('forbidden');
    await t.as(supervisorCity).post(`/api/alerts/${alertB}/acknowledgements`).send({ note: '市级监督已知悉' }).expect(201);
    const log = t.auth.securityLog({ limit: 1000 }).filter((entry) => entry.kind === 'denied' && entry.userId === 'sup-a');
    expect(log.map((entry) => entry.action)).toEqual(expect.arrayContaining(['alerts:read', 'alerts:acknowledge']));
  });

  it('deferrals: county A’s supervisor approves A’s, not B’s; county A’s clerk requests for A only', async () => {
    const refused = (await t.as(supervisorA).post('/api/deferrals/db/decisions').send({ decision: 'approve', body: 'department', occurredAt: '2022-04-21' }).expect(403)).body;
    expect(refused).toMatchObject({ error: 'out-of-scope', message_zh: expect.stringMatching(/[\u4e00-\u9fff]/), message_en: expect.stringMatching(/[a-z]/) });
    await t.as(supervisorA).post('/api/deferrals/db/decisions').send({ decision: 'reject', body: 'department', note: '不同意', occurredAt: '2022-04-21' }).expect(403);
    expect((await t.http().get('/api/deferrals').expect(200)).body.find((deferral: { deferralId: string }) => deferral.deferralId === 'db')).toMatchObject({ approvals: {}, approvalsNeeded: ['city-finance', 'department'] });
    const approved = (await t.as(supervisorA).post('/api/deferrals/da/decisions').send({ decision: 'approve', body: 'department', occurredAt: '2022-04-21' }).expect(201)).body;
    expect(approved).toMatchObject({ approvalsNeeded: ['city-finance'] });
    // city-level: anywhere
    await t.as(supervisorCity).post('/api/deferrals/db/decisions').send({ decision: 'approve', body: 'department', occurredAt: '2022-04-21' }).expect(201);

    await t.as(clerkA).post('/api/deferrals').send({ deferralId: 'da2', fundId: 'f1', holderId: 'county', reason: '待验收', untilDate: '2022-08-01', occurredAt: '2022-04-22' }).expect(201);
    const outside = (await t.as(clerkA).post('/api/deferrals').send({ deferralId: 'db2', fundId: 'f1', holderId: 'county-b', reason: '待验收', untilDate: '2022-08-01', occurredAt: '2022-04-22' }).expect(403)).body;
    expect(outside.error).toBe('out-of-scope');
    expect(t.app.get(AlertService).deferrals.has('db2')).toBe(false);
  });

  it('subscriptions and redelivery are for alert managers (city finance, admin), not supervisors or auditors', async () => {
    const body = { supervisorName: '监督', filter: { countyCode: COUNTY.code }, channel: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } };
    await t.as(supervisorA).post('/api/alert-subscriptions').send(body).expect(403);
    await t.as(auditor).post('/api/alert-subscriptions').send(body).expect(403);
    await t.as(auditor).post('/api/alerts/evaluation').expect(403);
    await t.as(cityFinance).post('/api/alert-subscriptions').send({ ...body, supervisorId: 'sup-a' }).expect(201);
    // the county supervisor sees the subscriptions of their county and their own, not the city-wide one
    const seen = (await t.as(supervisorA).get('/api/alert-subscriptions').expect(200)).body;
    expect(seen.map((subscription: { supervisorId: string }) => subscription.supervisorId)).toEqual(['sup-a']);
    expect((await t.as(auditor).get('/api/alert-subscriptions').expect(200)).body).toHaveLength(2);
  });

  it('the live stream carries county A’s changes to the county A supervisor and not county B’s', async () => {
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    let text = '';
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/alerts/stream', headers: { authorization: `Bearer ${supervisorA}` } }, (response) => {
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    });
    req.on('error', () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 150)); // the stream is open
    // B's change first, then A's: when A's arrives, B's would have arrived before it
    await t.as(cityFinance).post(`/api/alerts/${alertB}/acknowledgements`).send({ note: 'B' }).expect(201);
    await t.as(cityFinance).post(`/api/alerts/${alertA}/acknowledgements`).send({ note: 'A' }).expect(201);
    for (let waited = 0; !text.includes('\n\n') && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    req.destroy();
    const events = text.split('\n\n').filter(Boolean).map((block) => JSON.parse(/data: (.*)/.exec(block)![1]) as { alertId: string; countyCode: string });
    expect(events.map((event) => event.alertId)).toEqual([alertA]);
  });
});

/**
 * Proves, through HTTP with an injected clock (never a real wait): a webhook receiver that fails twice and
 * recovers gets the alert once it is up, failures are visible in the API meanwhile; the request is signed
 * (HMAC-SHA256 over timestamp and body) and a tampered or replayed one does not verify; nothing is sent
 * twice; alerts are listed, filtered and acknowledged by name; the dashboard's SSE stream carries them;
 * deferrals need both approvals, from two people, before they pause the clock.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertEngine } from '../../src/alerts/alert-engine';
import { verifyWebhook } from '../../src/alerts/channels';
import { setUpSmallFund } from '../support/small-fund';
import { startTestApp, type TestApp } from '../support/test-app';
import { manualClock, startReceiver, type Receiver } from './receivers';

describe('alerts through the API', () => {
  let t: TestApp;
  let receiver: Receiver;
  const clock = manualClock('2022-03-01T08:00:00Z');
  const previousInterval = process.env.FUNDTRAIL_ALERTS_INTERVAL_SECONDS;
  const previousEngine = process.env.FUNDTRAIL_ALERTS;

  beforeAll(async () => {
    process.env.FUNDTRAIL_ALERTS_INTERVAL_SECONDS = '86400';
    process.env.FUNDTRAIL_ALERTS = 'on'; // off by default under Jest
    receiver = await startReceiver([{ status: 500, body: 'down' }, { status: 503, body: 'still down' }, { status: 200, body: '{"ok":true}' }]);
    t = await startTestApp();
    // the alert clock alone moves (sessions keep the real time)
    t.runtime.clock = clock.now;
    await setUpSmallFund(t); // 50万 received at 土默特左旗财政局 on 2022-04-15
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await receiver.close();
    if (previousInterval === undefined) delete process.env.FUNDTRAIL_ALERTS_INTERVAL_SECONDS;
    else process.env.FUNDTRAIL_ALERTS_INTERVAL_SECONDS = previousInterval;
    if (previousEngine === undefined) delete process.env.FUNDTRAIL_ALERTS;
    else process.env.FUNDTRAIL_ALERTS = previousEngine;
  });

  const tick = () => t.app.get(AlertEngine).tick({ all: true });
  let secret = '';
  let alertId = '';

  it('a subscriber’s webhook fails twice, recovers, and receives the warning once, signed', async () => {
    const created = await t.http().post('/api/alert-subscriptions').send({ supervisorName: '市财政局监督检查科', filter: { fundId: 'f1', level: 'county-finance' }, channel: { kind: 'webhook', url: `${receiver.url}/hook` } }).expect(201);
    secret = created.body.secret;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect((await t.http().get('/api/alert-subscriptions').expect(200)).body[0].channel.secret).toBe('***');

    clock.set('2022-05-08T08:00:00Z'); // day 23 at the county
    await tick();
    expect(receiver.requests).toHaveLength(0);

    clock.set('2022-05-09T08:00:00Z'); // day 24: the warning
    await tick();
    expect(receiver.requests).toHaveLength(1);
    const failing = (await t.http().get('/api/alert-deliveries?failing=true').expect(200)).body;
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('HTTP 500') });

    await tick(); // not due yet: the back-off is 30 s
    expect(receiver.requests).toHaveLength(1);
    clock.advance(30_000);
    await tick();
    expect(receiver.requests).toHaveLength(2);
    clock.advance(60_000);
    await tick();
    expect(receiver.requests).toHaveLength(3);
    const [delivery] = (await t.http().get('/api/alert-deliveries').expect(200)).body;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(delivery.history.map((entry: { type: string }) => entry.type)).toEqual(['DeliveryScheduled', 'DeliveryFailed', 'DeliveryFailed', 'DeliverySucceeded']);

    clock.advance(3_600_000);
    await tick();
    expect(receiver.requests).toHaveLength(3); // once delivered, never again

    const last = receiver.requests[2];
    expect(new Set(receiver.requests.map((request) => request.headers['x-fundtrail-delivery'])).size).toBe(1);
    const headers = { timestamp: last.headers['x-fundtrail-timestamp'] as string, signature: last.headers['x-fundtrail-signature'] as string };
    const sentAt = new Date(Number(headers.timestamp) * 1000);
    expect(verifyWebhook(secret, headers, last.body, sentAt)).toBe(true);
    expect(verifyWebhook(secret, headers, last.body.replace('"500000.00"', '"900000.00"'), sentAt)).toBe(false);
    expect(verifyWebhook('another-secret-of-enough-length', headers, last.body, sentAt)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, timestamp: String(Number(headers.timestamp) + 1) }, last.body, sentAt)).toBe(false);
    expect(verifyWebhook(secret, headers, last.body, new Date(sentAt.getTime() + 3_600_000))).toBe(false); // replayed an hour later
    const payload = JSON.parse(last.body);
    expect(payload).toMatchObject({ event: 'alert.raised', alert: { holderId: 'county', threshold: 'warning', severity: 'warning', crossedOn: '2022-05-09', amount: '500000.00' } });
    alertId = payload.alert.alertId;
  });

  it('lists and filters alerts, and acknowledges one by name with a note', async () => {
    const county = (await t.http().get('/api/alerts?fundId=f1&county=150121&level=county-finance').expect(200)).body;
    expect(county.map((alert: { threshold: string; status: string }) => [alert.threshold, alert.status])).toEqual([['warning', 'open']]);
    const acknowledged = (await t.http().post(`/api/alerts/${alertId}/acknowledgements`).send({ note: '已督促旗财政局本月内拨付' }).expect(201)).body;
    expect(acknowledged.status).toBe('acknowledged');
    expect(acknowledged.acknowledgements[0]).toMatchObject({ by: 'demo', note: '已督促旗财政局本月内拨付' });
    expect((await t.http().get('/api/alerts?status=acknowledged').expect(200)).body).toHaveLength(1);
    await t.http().post(`/api/alerts/${alertId}/acknowledgements`).send({}).expect(400);
    await t.anonymous().get('/api/alerts').expect(401);
  });

  it('the dashboard’s server-sent events carry the overdue alert as it is raised', async () => {
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const received = new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/alerts/stream?level=county-finance', headers: { authorization: `Bearer ${t.adminToken}` } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.includes('\n\n')) {
            resolve(text);
            req.destroy();
          }
        });
      });
      req.on('error', (error) => (error.message.includes('aborted') || error.message.includes('socket hang up') ? undefined : reject(error)));
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the stream is open
    clock.set('2022-05-15T08:00:00Z'); // day 30: overdue
    await tick();
    const text = await received;
    expect(text).toMatch(/event: AlertRaised/);
    expect(JSON.parse(/data: (.*)/.exec(text)![1])).toMatchObject({ holderId: 'county', threshold: 'breach', crossedOn: '2022-05-15' });
  });

  it('a deferral pauses the clock only once the city finance bureau and the department have both approved', async () => {
    const cityFinance = await t.tokenFor({ userId: 'cf-chief', username: 'cf-chief', displayName: '市财政局', role: 'city-finance' });
    const supervisor = await t.tokenFor({ userId: 'miit-chief', username: 'miit-chief', displayName: '市工信局', role: 'supervisor' });
    const requested = (await t.http().post('/api/deferrals').send({ deferralId: 'd1', fundId: 'f1', holderId: 'county', reason: '企业尚未完成验收', untilDate: '2022-07-01', occurredAt: '2022-04-20' }).expect(201)).body;
    expect(requested).toMatchObject({ status: 'pending', approvalsNeeded: ['city-finance', 'department'] });
    // the city finance bureau cannot approve for the department
    await t.as(cityFinance).post('/api/deferrals/d1/decisions').send({ decision: 'approve', body: 'department', occurredAt: '2022-04-21' }).expect(422);
    const one = (await t.as(supervisor).post('/api/deferrals/d1/decisions').send({ decision: 'approve', body: 'department', occurredAt: '2022-04-21' }).expect(201)).body;
    expect(one).toMatchObject({ status: 'pending', approvalsNeeded: ['city-finance'] });
    const asOfOne = (await t.http().get('/api/alerts/as-of/f1?date=2022-05-31').expect(200)).body;
    expect(asOfOne.alerts.filter((alert: { holderId: string }) => alert.holderId === 'county').map((alert: { crossedOn: string }) => alert.crossedOn)).toEqual(['2022-05-09', '2022-05-15']);
    const both = (await t.as(cityFinance).post('/api/deferrals/d1/decisions').send({ decision: 'approve', body: 'city-finance', occurredAt: '2022-04-22' }).expect(201)).body;
    expect(both).toMatchObject({ inForceFrom: '2022-04-22', approvalsNeeded: [] });
    // 7 days ran (04-15 → 04-22), paused until 07-01, then 17 more: the warning would now come on 07-18
    const asOfBoth = (await t.http().get('/api/alerts/as-of/f1?date=2022-07-31').expect(200)).body;
    expect(asOfBoth.alerts.filter((alert: { holderId: string }) => alert.holderId === 'county').map((alert: { crossedOn: string; pausedDays: number }) => [alert.crossedOn, alert.pausedDays])).toEqual([
      ['2022-07-18', 70],
      ['2022-07-24', 70],
    ]);
    await t.as(supervisor).post('/api/deferrals/d1/decisions').send({ decision: 'reject', body: 'department', note: 'x' }).expect(409);
  });

  it('policies are versioned; bad input is refused naming the field', async () => {
    const set = (await t.http().post('/api/funds/f1/alert-policy').send({ limitDays: { 'county-finance': 20 }, effectiveFrom: '2022-06-01' }).expect(201)).body;
    expect(set).toMatchObject({ version: 1, limitDays: { 'county-finance': 20, department: 30 } });
    const policy = (await t.http().get('/api/funds/f1/alert-policy').expect(200)).body;
    expect(policy.versions).toHaveLength(1);
    const bad = (await t.http().post('/api/funds/f1/alert-policy').send({ warningFraction: 1.5, effectiveFrom: '2022-06-01' }).expect(400)).body;
    expect(bad.message_en).toMatch(/warningFraction/);
  });
});

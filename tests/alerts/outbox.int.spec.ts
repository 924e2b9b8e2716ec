/**
 * Proves, on a real SQLite store file, with an injected clock and timers (never a real wait):
 * - a restart between the raise and the delivery still delivers, once; another restart sends nothing more;
 * - evaluations running at the same time in two processes raise each alert once;
 * - a receiver that never answers ends in the dead-letter queue, visible, and is redelivered on request;
 * - the WeCom and DingTalk robots get their markdown messages (DingTalk's signed URL verifies);
 * - e-mail reaches a local SMTP sink;
 * - a subscription made after an alert does not receive it; a removed one receives nothing more.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { AlertEngine } from '../../src/alerts/alert-engine';
import { AlertService } from '../../src/alerts/alert-service';
import { ChannelSender } from '../../src/alerts/channels';
import type { RetryPolicy } from '../../src/alerts/domain';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { NO_TIMERS, buildFund } from './small-fund';
import { manualClock, startReceiver } from './receivers';

const SUPERVISOR = { id: 'sup-1', role: 'supervisor' };
const RETRY: RetryPolicy = { backoffBaseMs: 1_000, backoffMaxMs: 60_000, attemptsMax: 3 };

describe('the alert outbox on a store file', () => {
  let dir: string;
  let filename: string;
  const clock = manualClock('2022-02-03T09:00:00Z'); // day 24 at the county: its warning is due
  const open: Array<{ close(): Promise<void> | void }> = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fundtrail-alerts-'));
    filename = join(dir, 'events.db');
    const store = new SqliteEventStore({ filename });
    await buildFund(store);
    await store.close();
    clock.set('2022-02-03T09:00:00Z');
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function openService(sender: ChannelSender) {
    const store = new SqliteEventStore({ filename });
    open.push(store);
    return new AlertService(store, clock.now, { sender, retry: RETRY });
  }

  it('a restart between the raise and the delivery delivers once; the next restart sends nothing', async () => {
    const receiver = await startReceiver();
    open.push(receiver);
    const first = openService(new ChannelSender());
    await first.createSubscription({ supervisorName: '监督', filter: {}, channel: { kind: 'webhook', url: `${receiver.url}/hook` } }, SUPERVISOR);
    expect(await first.evaluate({ all: true })).toEqual({ raised: 1, resolved: 0 });
    // the process dies here: the alert is recorded, no delivery is
    await first.store.close();

    const second = new AlertEngine(openService(new ChannelSender()), { intervalMs: 60_000, timers: NO_TIMERS });
    await second.start();
    await second.stop();
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0].body).alert).toMatchObject({ holderId: 'county', threshold: 'warning' });

    const third = new AlertEngine(openService(new ChannelSender()), { intervalMs: 60_000, timers: NO_TIMERS });
    await third.start();
    await third.tick({ all: true });
    await third.stop();
    expect(receiver.requests).toHaveLength(1);
  });

  it('two processes evaluating at the same time raise each alert once', async () => {
    clock.set('2022-03-31T09:00:00Z'); // warning, overdue and escalation all due
    const services = [openService(new ChannelSender()), openService(new ChannelSender()), openService(new ChannelSender())];
    const results = await Promise.all(services.flatMap((service) => [service.evaluate({ all: true }), service.evaluate({ all: true })]));
    expect(results.reduce((sum, result) => sum + result.raised, 0)).toBe(3);
    const events = await services[0].store.readAll({ limit: 1_000 });
    const raised = events.filter((event) => event.type === 'AlertRaised' || event.type === 'AlertEscalated');
    expect(raised.map((event) => (event.data as { threshold: string }).threshold).sort()).toEqual(['breach', 'escalation', 'warning']);
  });

  it('a receiver that stays down ends in the dead-letter queue; redelivery sends it when it is back', async () => {
    const receiver = await startReceiver([{ status: 502 }]);
    open.push(receiver);
    const service = openService(new ChannelSender());
    await service.createSubscription({ supervisorName: '监督', filter: { fundId: 'f1' }, channel: { kind: 'webhook', url: `${receiver.url}/hook` } }, SUPERVISOR);
    const engine = new AlertEngine(service, { intervalMs: 60_000, timers: NO_TIMERS });
    await engine.start(); // attempt 1
    clock.advance(1_000);
    await engine.tick(); // attempt 2
    clock.advance(2_000);
    await engine.tick(); // attempt 3: the last
    const [dead] = [...service.deliveries.values()];
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastError: expect.stringContaining('HTTP 502') });
    clock.advance(3_600_000);
    await engine.tick();
    expect(receiver.requests).toHaveLength(3);

    receiver.answers.splice(0, receiver.answers.length, { status: 200 });
    const again = await service.redeliver(dead.deliveryId, SUPERVISOR);
    expect(again.status).toBe('pending');
    await engine.tick();
    await engine.stop();
    expect(service.deliveries.get(dead.deliveryId)).toMatchObject({ status: 'delivered', attemptsTotal: 4 });
    expect(receiver.requests).toHaveLength(4);
  });

  it('WeCom and DingTalk group robots get markdown; DingTalk’s signed URL verifies; a robot error is a failure', async () => {
    const wecom = await startReceiver([{ status: 200, body: '{"errcode":0,"errmsg":"ok"}' }]);
    const dingtalk = await startReceiver([{ status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' }, { status: 200, body: '{"errcode":0,"errmsg":"ok"}' }]);
    open.push(wecom, dingtalk);
    const service = openService(new ChannelSender());
    await service.createSubscription({ supervisorName: '市财政局', filter: { minSeverity: 'warning' }, channel: { kind: 'wecom', url: `${wecom.url}/cgi-bin/webhook/send?key=test-key` } }, SUPERVISOR);
    const secret = 'SECtest0123456789';
    await service.createSubscription({ supervisorName: '市工信局', filter: { countyCode: '150121' }, channel: { kind: 'dingtalk', url: `${dingtalk.url}/robot/send?access_token=test-token`, secret } }, SUPERVISOR);
    const engine = new AlertEngine(service, { intervalMs: 60_000, timers: NO_TIMERS });
    await engine.start();
    clock.advance(1_000);
    await engine.tick();
    await engine.stop();

    expect(wecom.requests).toHaveLength(1);
    const weComMessage = JSON.parse(wecom.requests[0].body);
    expect(weComMessage.msgtype).toBe('markdown');
    expect(weComMessage.markdown.content).toMatch(/^### 【预警】资金滞留：土默特左旗财政局 50\.00万元/);
    expect(weComMessage.markdown.content).toContain('2022年1月10日');

    expect(dingtalk.requests).toHaveLength(2); // errcode 310000 was recorded as a failure and retried
    const url = new URL(dingtalk.requests[1].url, dingtalk.url);
    const timestamp = url.searchParams.get('timestamp')!;
    expect(url.searchParams.get('access_token')).toBe('test-token');
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'));
    const dingMessage = JSON.parse(dingtalk.requests[1].body);
    expect(dingMessage).toMatchObject({ msgtype: 'markdown', markdown: { title: expect.stringContaining('土默特左旗财政局') } });
    const failures = [...service.deliveries.values()].find((delivery) => delivery.channelKind === 'dingtalk')!;
    expect(failures.history.map((entry) => entry.type)).toEqual(['DeliveryScheduled', 'DeliveryFailed', 'DeliverySucceeded']);
    expect(failures.history[1].error).toContain('310000');
  });

  it('e-mail reaches a local SMTP sink', async () => {
    const mails: Array<{ to: string[]; raw: string }> = [];
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => sink.close(() => resolve())) });
    const port = (sink.server.address() as AddressInfo).port;
    const sender = new ChannelSender({ url: `smtp://127.0.0.1:${port}`, from: 'Fundtrail <alerts@fundtrail.local>' });
    open.push({ close: () => sender.close() });
    const service = openService(sender);
    await service.createSubscription({ supervisorName: '审计局', filter: {}, channel: { kind: 'email', to: 'auditor@example.gov.cn' } }, SUPERVISOR);
    const engine = new AlertEngine(service, { intervalMs: 60_000, timers: NO_TIMERS });
    await engine.start();
    await engine.stop();
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['auditor@example.gov.cn']);
    expect(mails[0].raw).toMatch(/X-Fundtrail-Delivery: [0-9a-f-]{36}/);
    expect(mails[0].raw).toMatch(/Subject: =\?UTF-8\?/); // the Chinese subject, encoded
    expect([...service.deliveries.values()][0].status).toBe('delivered');
  });

  it('a subscription made after an alert does not receive it; a removed one receives nothing more', async () => {
    const receiver = await startReceiver();
    open.push(receiver);
    const service = openService(new ChannelSender());
    await service.evaluate({ all: true }); // the warning, before anyone subscribed
    const late = await service.createSubscription({ supervisorName: '监督', filter: {}, channel: { kind: 'webhook', url: `${receiver.url}/hook` } }, SUPERVISOR);
    await service.scheduleDeliveries();
    await service.dispatchDue();
    expect(receiver.requests).toHaveLength(0);
    clock.set('2022-02-09T09:00:00Z'); // overdue
    await service.removeSubscription(late.subscriptionId, SUPERVISOR);
    await service.evaluate({ all: true });
    await service.scheduleDeliveries();
    await service.dispatchDue();
    expect(receiver.requests).toHaveLength(0);
  });
});

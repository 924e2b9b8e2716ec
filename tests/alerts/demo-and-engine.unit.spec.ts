/**
 * Proves: (1) on the demo fund, the alerts' FIFO lots are the same lots as the money projection's fold
 * (projections/money/money-fold.ts): same holders, arrival dates, amounts and what is left, so dwell figures and
 * alerts agree; (2) the demo's alerts as of 2022-12-31 are a prefix of those as of 2023-12-31 (evaluating later
 * never changes an earlier crossing, only adds resolutions), with stable ids; (3) the engine driven by an
 * injected clock and timers raises the alerts on the right day as time moves forward, without waiting.
 */
import { MoneyFold, type Lot } from '../../projections/money/money-fold';
import { AlertEngine, type Timers } from '../../src/alerts/alert-engine';
import { AlertService } from '../../src/alerts/alert-service';
import { ChannelSender } from '../../src/alerts/channels';
import { type FundEventInput, evaluateAlerts, lotHistory } from '../../src/alerts/domain';
import { HOHHOT_2022_FUND_ID, buildHohhot2022Script } from '../../src/demo/hohhot-2022';
import { runScriptPure } from '../../src/demo/run-script';
import type { Holder } from '../../src/domain';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import type { RecordedEvent } from '../../src/event-store/event-store.port';
import { Ledger } from '../../src/ledger/ledger';
import { manualClock } from './receivers';

const run = runScriptPure(buildHohhot2022Script());
const fundEvents: FundEventInput[] = run.events
  .filter((entry) => entry.streamId === `fund-${HOHHOT_2022_FUND_ID}`)
  .map((entry) => ({ eventId: entry.eventId, type: entry.event.type, data: entry.event.data, occurredAt: entry.occurredAt! }));
const holders = new Map<string, Holder>([...run.registry.holders]);

describe('the demo fund', () => {
  it('the alerts’ FIFO lots are the money projection’s lots', () => {
    const fold = new MoneyFold({ fresh: true });
    const lots = new Set<Lot>();
    run.events.forEach((entry, index) => {
      const recorded = { eventId: entry.eventId, type: entry.event.type, data: entry.event.data, streamId: entry.streamId, version: entry.version, position: index + 1, metadata: { occurredAt: entry.occurredAt ?? '2022-01-01' } } as unknown as RecordedEvent;
      fold.apply(recorded);
      for (const lot of fold.newLots) lots.add(lot);
      fold.newLots.length = 0;
    });
    const key = (holderId: string, ageFrom: string, amount: number, remaining: number) => `${holderId}|${ageFrom}|${amount}|${remaining}`;
    const theirs = [...lots].filter((lot) => lot.to_kind === 'holder').map((lot) => key(lot.to_id, lot.age_from, lot.amount_fen, lot.remaining_fen)).sort();
    const ours = lotHistory(fundEvents).map((lot) => key(lot.holderId, lot.ageFrom, lot.amountFen, lot.remainingFen)).sort();
    expect(ours.length).toBeGreaterThan(50);
    expect(ours).toEqual(theirs);
  });

  it('alerts as of the end of 2022 are the 2022 part of those as of the end of 2023, with the same ids', () => {
    const evaluate = (asOf: string) => evaluateAlerts({ fundId: HOHHOT_2022_FUND_ID, events: fundEvents, holders, policies: [], deferrals: [], asOf });
    const end2022 = evaluate('2022-12-31');
    const end2023 = evaluate('2023-12-31');
    expect(end2022.length).toBeGreaterThan(0);
    const strip = (finding: (typeof end2022)[number]) => ({ ...finding, resolvedOn: undefined });
    expect(end2023.filter((finding) => finding.crossedOn <= '2022-12-31').map(strip)).toEqual(end2022.map(strip));
    expect(new Set(end2023.map((finding) => finding.alertId)).size).toBe(end2023.length);
    // the evaluation's finding: money stuck at county finance bureaus and county industry bureaus
    const levels = new Set(end2023.filter((finding) => finding.kind === 'dwell').map((finding) => finding.level));
    expect([...levels]).toEqual(expect.arrayContaining(['county-finance', 'department']));
  });
});

describe('the engine as time moves forward (injected clock and timers, no real wait)', () => {
  it('the interval timer raises each threshold on its day, and nothing twice', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const ledger = new Ledger(store);
    const admin = { actor: { id: 'admin', role: 'admin' } };
    await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'city', name: '市财政局', level: 'city-finance' }, admin);
    await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'county', name: '旗财政局', level: 'county-finance', county: { code: '150121', name: '土默特左旗' } }, admin);
    await ledger.executeFund('f1', { kind: 'AppropriateFund', fundId: 'f1', name: '测试', fiscalYear: 2022, budgetFen: 1_000_000, cityFinanceHolderId: 'city', occurredAt: '2022-01-01' }, admin);
    await ledger.executeFund('f1', { kind: 'IssueAllocation', allocationId: 'a1', document: '1号', amountFen: 1_000_000, direction: '工业', occurredAt: '2022-01-01' }, admin);
    await ledger.executeFund('f1', { kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 1_000_000, occurredAt: '2022-01-05', allocationId: 'a1' }, admin);
    await ledger.executeFund('f1', { kind: 'ReceiveTransfer', transferId: 't1', occurredAt: '2022-01-10' }, admin);

    const clock = manualClock('2022-01-10T09:00:00Z');
    let onInterval: (() => void) | undefined;
    const timers: Timers = { setInterval: (callback) => (onInterval = callback), clearInterval: () => undefined, setTimeout: () => 0, clearTimeout: () => undefined };
    const service = new AlertService(store, clock.now, { sender: new ChannelSender() });
    const engine = new AlertEngine(service, { intervalMs: 3_600_000, timers });
    await engine.start();
    const raisedOn: string[] = [];
    const day = async (date: string) => {
      clock.set(`${date}T09:00:00Z`);
      onInterval!();
      await engine.tick(); // waits for the interval's tick (ticks never overlap)
      raisedOn.push(...[...service.alerts.values()].filter((alert) => !raisedOn.includes(`${alert.threshold}@${alert.crossedOn}`)).map((alert) => `${alert.threshold}@${alert.crossedOn}`));
    };
    for (const date of ['2022-02-02', '2022-02-03', '2022-02-03', '2022-02-08', '2022-02-09', '2022-03-10', '2022-03-11', '2022-06-30']) await day(date);
    await engine.stop();
    expect(raisedOn).toEqual(['warning@2022-02-03', 'breach@2022-02-09', 'escalation@2022-03-11']);
    const events = await store.readAll({ limit: 1_000 });
    expect(events.filter((event) => event.type === 'AlertRaised' || event.type === 'AlertEscalated')).toHaveLength(3);
    await store.close();
  });
});

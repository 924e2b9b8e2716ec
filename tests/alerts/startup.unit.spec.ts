/**
 * Proves: the application's start does not wait for the alert engine's first pass over a long history (on a
 * synthetic history of 1,000,000 events it took minutes, and the server listened only after it): it waits
 * `startWaitMs`, then goes on while the pass finishes and raises what is due; an application closed while
 * the engine is still catching up waits for it and stops it before it records anything; a pass gives the event
 * loop a turn between funds, also on a store that never waits (SQLite), so that the wait's timer and requests run;
 * and a pass asked to stop leaves the funds it did not reach for the next one.
 */
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Timers } from '../../src/alerts/alert-engine';
import { AlertService } from '../../src/alerts/alert-service';
import { AlertsModule } from '../../src/alerts/alerts.module';
import { RUNTIME } from '../../src/app/tokens';
import type { ReadAllOptions, RecordedEvent } from '../../src/event-store/event-store.port';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { manualClock } from './receivers';

/** A store whose reads of the log can be held back, as a long history holds the engine's catch-up. */
class HeldStore extends SqliteEventStore {
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  reads = 0;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  letGo(): void {
    this.release();
  }

  override async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.reads++;
    await this.gate;
    return super.readAll(options);
  }
}

const NO_TIMERS: Timers = { setInterval: () => 0, clearInterval: () => undefined, setTimeout: () => 0, clearTimeout: () => undefined };

async function storeWithFunds(fundIds = ['f1', 'f2']): Promise<HeldStore> {
  const store = new HeldStore({ filename: ':memory:' });
  const ledger = new Ledger(store);
  const admin = { actor: { id: 'admin', role: 'admin' as const } };
  await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'city', name: '市财政局', level: 'city-finance' }, admin);
  await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'county', name: '旗财政局', level: 'county-finance', county: { code: '150121', name: '土默特左旗' } }, admin);
  for (const fundId of fundIds) {
    await ledger.executeFund(fundId, { kind: 'AppropriateFund', fundId, name: '测试', fiscalYear: 2022, budgetFen: 1_000_000, cityFinanceHolderId: 'city', occurredAt: '2022-01-01' }, admin);
    await ledger.executeFund(fundId, { kind: 'IssueAllocation', allocationId: 'a1', document: '1号', amountFen: 1_000_000, direction: '工业', occurredAt: '2022-01-01' }, admin);
    await ledger.executeFund(fundId, { kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: 1_000_000, occurredAt: '2022-01-05', allocationId: 'a1' }, admin);
    await ledger.executeFund(fundId, { kind: 'ReceiveTransfer', transferId: 't1', occurredAt: '2022-01-10' }, admin);
  }
  return store;
}

async function alertsApp(store: HeldStore, startWaitMs: number) {
  const clock = manualClock('2022-06-30T09:00:00Z'); // both funds' money has sat at the county for months
  @Global()
  @Module({ providers: [{ provide: RUNTIME, useValue: { store, clock: clock.now } }], exports: [RUNTIME] })
  class RuntimeStub {}
  @Module({ imports: [RuntimeStub, AlertsModule.register({ lease: null, timers: NO_TIMERS, config: { engine: true, intervalMs: 3_600_000 }, startWaitMs })] })
  class Root {}
  // resolves once every onApplicationBootstrap has: the application has started
  return NestFactory.createApplicationContext(Root, { logger: false });
}

async function alertEvents(store: SqliteEventStore): Promise<number> {
  return (await SqliteEventStore.prototype.readAll.call(store, { limit: 1_000 })).filter((event) => event.type.startsWith('Alert')).length;
}

describe('the alert engine at the application’s start', () => {
  it('given a catch-up that takes longer than the wait, when the application starts, then it starts without the first pass, which raises the alerts once the history is read', async () => {
    const store = await storeWithFunds();
    store.hold();
    const started = Date.now();
    const app = await alertsApp(store, 50); // would never resolve if the start waited for the held read
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(store.reads).toBeGreaterThan(0);
    expect(await alertEvents(store)).toBe(0);

    store.letGo();
    const service = app.get(AlertService);
    const funds = () => new Set([...service.alerts.values()].map((alert) => alert.fundId));
    for (let i = 0; i < 500 && funds().size < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(funds()).toEqual(new Set(['f1', 'f2']));
    expect(await alertEvents(store)).toBeGreaterThanOrEqual(2);
    await app.close();
    await store.close();
  });

  it('given a quick catch-up, when the application starts, then the first pass is done by the time it has started', async () => {
    const store = await storeWithFunds();
    const app = await alertsApp(store, 5_000);
    expect(await alertEvents(store)).toBeGreaterThanOrEqual(2);
    await app.close();
    await store.close();
  });

  it('given the engine still catching up, when the application closes, then the engine stops before recording anything', async () => {
    const store = await storeWithFunds();
    store.hold();
    const app = await alertsApp(store, 10);
    let closedYet = false;
    const closed = app.close().then(() => (closedYet = true));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the shutdown hooks have run: the engine is stopping
    expect(closedYet).toBe(false); // it waits for the start in progress (nothing of it is left running after close)
    store.letGo(); // the catch-up's read returns after that
    await closed;
    expect(await alertEvents(store)).toBe(0);
    await store.close();
  });

  it('given a synchronous store (every read and append resolves at once), when a pass runs over several funds, then timers and requests get their turn between funds', async () => {
    const store = await storeWithFunds(['f1', 'f2', 'f3', 'f4']);
    const service = new AlertService(store, manualClock('2022-06-30T09:00:00Z').now, { sender: { send: async () => ({ ok: true }) } as never });
    await service.catchUp();
    let timerFired = false;
    // the timer is set when the first fund is about to be evaluated (the catch-up's reads give turns of their own:
    // the store's), and is due at once (a fast pass may take less than its 1 ms)
    const dueNow = () => {
      setTimeout(() => (timerFired = true), 0);
      const due = Date.now() + 5;
      while (Date.now() < due);
    };
    const seenBeforeFund: boolean[] = [];
    await service.evaluate({ all: true, stopped: () => (seenBeforeFund.length === 0 && dueNow(), seenBeforeFund.push(timerFired), false) });
    // without a turn of the event loop the timer fires only after the whole pass (the server's start wait did)
    expect(seenBeforeFund).toHaveLength(4);
    expect(seenBeforeFund[0]).toBe(false);
    expect(seenBeforeFund[3]).toBe(true);
    await store.close();
  });

  it('given a pass asked to stop after the first fund, when it runs, then the other fund stays to be evaluated by the next pass', async () => {
    const store = await storeWithFunds();
    const service = new AlertService(store, manualClock('2022-06-30T09:00:00Z').now, { sender: { send: async () => ({ ok: true }) } as never });
    let asked = 0;
    const first = await service.evaluate({ all: true, stopped: () => asked++ >= 1 });
    expect(new Set([...service.alerts.values()].map((alert) => alert.fundId))).toEqual(new Set(['f1']));
    const second = await service.evaluate({});
    expect(new Set([...service.alerts.values()].map((alert) => alert.fundId))).toEqual(new Set(['f1', 'f2']));
    expect(first.raised).toBe(second.raised);
    await store.close();
  });
});

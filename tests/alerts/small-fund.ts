/** The small fund of the delivery tests: a city and a county finance bureau, 1,000,000 元 appropriated, half of it sent and received. */
import type { Timers } from '../../src/alerts/alert-engine';
import { wan } from '../../src/domain';
import type { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';

export const ADMIN = { actor: { id: 'admin', role: 'admin' } };

/** Timers that never fire: the test ticks by hand. */
export const NO_TIMERS: Timers = { setInterval: () => 0, clearInterval: () => undefined, setTimeout: () => 0, clearTimeout: () => undefined };

export async function buildFund(store: SqliteEventStore): Promise<void> {
  const ledger = new Ledger(store);
  const county = { code: '150121', name: '土默特左旗' };
  await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'city', name: '呼和浩特市财政局', level: 'city-finance' }, ADMIN);
  await ledger.registerHolder({ kind: 'RegisterHolder', holderId: 'county', name: '土默特左旗财政局', level: 'county-finance', county }, ADMIN);
  await ledger.executeFund('f1', { kind: 'AppropriateFund', fundId: 'f1', name: '测试', fiscalYear: 2022, budgetFen: wan('100'), cityFinanceHolderId: 'city', occurredAt: '2022-01-01' }, ADMIN);
  await ledger.executeFund('f1', { kind: 'IssueAllocation', allocationId: 'a1', document: '1号', amountFen: wan('50'), direction: '工业', occurredAt: '2022-01-01' }, ADMIN);
  await ledger.executeFund('f1', { kind: 'SendTransfer', transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: wan('50'), allocationId: 'a1', occurredAt: '2022-01-05' }, ADMIN);
  await ledger.executeFund('f1', { kind: 'ReceiveTransfer', transferId: 't1', occurredAt: '2022-01-10' }, ADMIN);
}

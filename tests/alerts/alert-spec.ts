/**
 * Given/when/then for the alert evaluation: `given(fund events with dates).deferrals(...).policy(...)
 * .evaluatedOn(date)` → the alerts, each with the day its threshold was crossed.
 */
import type { FundEvent, Holder } from '../../src/domain';
import { wan } from '../../src/domain';
import {
  type AlertFinding,
  type AlertPolicy,
  type DeferralCommand,
  type DeferralState,
  type FundEventInput,
  decideDeferral,
  evaluateAlerts,
  evolveDeferral,
} from '../../src/alerts/domain';

export const FUND = 'f-alerts';
export const COUNTY = { code: '150121', name: '土默特左旗' };
export const HOLDERS: Holder[] = [
  { holderId: 'city', name: '呼和浩特市财政局', level: 'city-finance' },
  { holderId: 'county', name: '土默特左旗财政局', level: 'county-finance', county: COUNTY },
  { holderId: 'bureau', name: '土默特左旗工业和信息化局', level: 'department', county: COUNTY },
  { holderId: 'ent', name: '示例装备制造有限公司', level: 'enterprise', county: COUNTY },
];
export const HOLDER_MAP = new Map(HOLDERS.map((holder) => [holder.holderId, holder]));

let counter = 0;
export function at(occurredAt: string, event: FundEvent, eventId = `e${++counter}`): FundEventInput {
  return { eventId, type: event.type, data: event.data, occurredAt };
}

/** Budget on 2022-01-01, 50万 allocated, sent to the county on 01-05 and received there on 2022-01-10. */
export function moneyAtCounty(): FundEventInput[] {
  return [
    at('2022-01-01', { type: 'FundAppropriated', data: { fundId: FUND, name: '测试', fiscalYear: 2022, budgetFen: wan('100'), cityFinanceHolderId: 'city' } }, 'appropriated'),
    at('2022-01-01', { type: 'AllocationIssued', data: { fundId: FUND, allocationId: 'a1', document: '呼财工指〔2022〕1号', amountFen: wan('50'), direction: '工业', cityFinanceHolderId: 'city' } }, 'allocated'),
    at('2022-01-05', { type: 'TransferSent', data: { fundId: FUND, transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: wan('50'), allocationId: 'a1' } }, 't1-sent'),
    at('2022-01-10', { type: 'TransferReceived', data: { fundId: FUND, transferId: 't1', fromHolderId: 'city', toHolderId: 'county', amountFen: wan('50') } }, 't1-received'),
  ];
}

export function send(date: string, transferId: string, from: string, to: string, amountWan: string): FundEventInput {
  return at(date, { type: 'TransferSent', data: { fundId: FUND, transferId, fromHolderId: from, toHolderId: to, amountFen: wan(amountWan) } }, `${transferId}-sent`);
}
export function receive(date: string, transferId: string, from: string, to: string, amountWan: string): FundEventInput {
  return at(date, { type: 'TransferReceived', data: { fundId: FUND, transferId, fromHolderId: from, toHolderId: to, amountFen: wan(amountWan) } }, `${transferId}-received`);
}

/** Runs deferral commands through the decider; each command's date is its business date. */
export function deferralFrom(commands: DeferralCommand[]): DeferralState {
  let state: DeferralState | undefined;
  for (const command of commands) state = evolveDeferral(state, decideDeferral(command, state), command.occurredAt);
  return state!;
}

export function given(events: FundEventInput[]) {
  let deferrals: DeferralState[] = [];
  let policies: AlertPolicy[] = [];
  const builder = {
    deferrals(...states: DeferralState[]) {
      deferrals = states;
      return builder;
    },
    policies(...versions: AlertPolicy[]) {
      policies = versions;
      return builder;
    },
    evaluatedOn(asOf: string): AlertFinding[] {
      return evaluateAlerts({ fundId: FUND, events, holders: HOLDER_MAP, policies, deferrals, asOf });
    },
  };
  return builder;
}

/** A compact view for assertions: holder, threshold, crossed on, amount in 万元, resolved on. */
export const brief = (finding: AlertFinding) => [finding.holderId, finding.threshold, finding.crossedOn, finding.amountFen / 1_000_000, finding.resolvedOn ?? null];

/**
 * 拨付情况公示: what the public may see of a fund — its totals and every payout to an enterprise
 * (enterprise, project, support direction, amount, date, document). Nothing about internal holders'
 * balances or who recorded what.
 */
import { type Holder, initialFundState, percent } from '../domain';
import type { RecordedEvent } from '../event-store/event-store.port';
import { applyRecorded } from '../ledger/ledger';
import { summarizeFund } from '../ledger/ledger.queries';

export interface DisclosedPayout {
  date: string;
  enterprise: string;
  enterpriseEn?: string;
  creditCode?: string;
  countyName?: string;
  project: string;
  direction: string;
  amountFen: number;
  document?: string;
}

export function disclosure(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>) {
  let state = initialFundState(events[0]?.streamId ?? '');
  for (const event of events) state = applyRecorded(state, event);
  const summary = summarizeFund(state, holders);
  const payouts: DisclosedPayout[] = [];
  for (const event of events) {
    if (event.type !== 'PayoutMade') continue;
    const entry = state.events.get(event.eventId);
    if (!entry || ('reversed' in entry && entry.reversed)) continue;
    const data = event.data as { enterpriseHolderId: string; projectId: string; direction: string; amountFen: number; document?: string };
    const enterprise = holders.get(data.enterpriseHolderId);
    payouts.push({
      date: event.metadata.occurredAt,
      enterprise: enterprise?.name ?? data.enterpriseHolderId,
      enterpriseEn: enterprise?.nameEn,
      creditCode: enterprise?.creditCode,
      countyName: enterprise?.county?.name,
      project: state.projects.get(data.projectId)?.name ?? data.projectId,
      direction: data.direction,
      amountFen: data.amountFen,
      document: data.document ?? event.metadata.document,
    });
  }
  return {
    fundId: state.fundId,
    name: state.name,
    fiscalYear: state.fiscalYear,
    budgetFen: state.budgetFen,
    allocatedFen: summary.allocatedFen,
    paidToEnterprisesFen: summary.paidToEnterprisesFen,
    executionPercentOfBudget: percent(summary.paidToEnterprisesFen, state.budgetFen),
    payouts,
  };
}

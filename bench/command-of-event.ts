/**
 * The command behind recorded events: what a person would have asked the ledger for, so that a history can be
 * decided again by the real deciders (the synthetic history's validity test and the peers' Ledger-service phase).
 */
import type { FundCommand, FundEvent } from '../src/domain';
import type { NewEvent } from '../src/event-store/event-store.port';

/** The command a person would have given for the events at `index` (a batch payout takes several) (a batch payout takes several). */
export function commandAt(events: NewEvent[], index: number): { command: FundCommand; count: number } {
  const event = events[index];
  const occurredAt = event.metadata.occurredAt;
  const document = event.metadata.document;
  const d = event.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (event.type as FundEvent['type']) {
    case 'FundAppropriated':
      return { command: { kind: 'AppropriateFund', fundId: d.fundId, name: d.name, nameEn: d.nameEn, fiscalYear: d.fiscalYear, budgetFen: d.budgetFen, cityFinanceHolderId: d.cityFinanceHolderId, occurredAt, document }, count: 1 };
    case 'AllocationIssued':
      return { command: { kind: 'IssueAllocation', allocationId: d.allocationId, document: d.document, amountFen: d.amountFen, direction: d.direction, occurredAt }, count: 1 };
    case 'TransferSent':
      return {
        command: { kind: 'SendTransfer', transferId: d.transferId, fromHolderId: d.fromHolderId, toHolderId: d.toHolderId, amountFen: d.amountFen, document: d.document, projectId: d.projectId, allocationId: d.allocationId, occurredAt },
        count: 1,
      };
    case 'TransferReceived':
      return { command: { kind: 'ReceiveTransfer', transferId: d.transferId, occurredAt }, count: 1 };
    case 'PayoutMade': {
      let count = 1;
      if (d.batchId) while (index + count < events.length && (events[index + count].data as { batchId?: string }).batchId === d.batchId) count++;
      const items = events.slice(index, index + count).map((item) => {
        const i = item.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        return { payoutId: i.payoutId, fromHolderId: i.fromHolderId, projectId: i.projectId, amountFen: i.amountFen, document: i.document, allocationId: i.allocationId };
      });
      return { command: { kind: 'MakePayouts', batchId: d.batchId, items, occurredAt }, count };
    }
    case 'FundsReturned':
      return { command: { kind: 'ReturnFunds', returnId: d.returnId, fromHolderId: d.fromHolderId, toHolderId: d.toHolderId, amountFen: d.amountFen, returnKind: d.kind, reason: d.reason, document: d.document, occurredAt }, count: 1 };
    case 'EventReversed':
      return { command: { kind: 'ReverseEvent', reversalId: d.reversalId, eventId: d.reversedEventId, reason: d.reason, occurredAt, document }, count: 1 };
    case 'ProjectRegistered':
      return {
        command: { kind: 'RegisterProject', projectId: d.projectId, name: d.name, enterpriseHolderId: d.enterpriseHolderId, county: d.county, parkHolderId: d.parkHolderId, direction: d.direction, batch: d.batch, category: d.category, approvedFen: d.approvedFen, occurredAt },
        count: 1,
      };
    case 'ProjectProgressReported':
      return { command: { kind: 'ReportProgress', projectId: d.projectId, percent: d.percent, note: d.note, occurredAt }, count: 1 };
    case 'ProjectClosed':
      return { command: { kind: 'CloseProject', projectId: d.projectId, note: d.note, occurredAt }, count: 1 };
    case 'ProjectCancelled':
      return { command: { kind: 'CancelProject', projectId: d.projectId, reason: d.reason, occurredAt }, count: 1 };
  }
}

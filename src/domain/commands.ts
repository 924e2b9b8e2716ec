/**
 * Commands: what a person asks the ledger to do. Amounts are already fen here (parsed at the edge),
 * dates are business dates "YYYY-MM-DD". Ids are chosen by the caller or by the application before
 * deciding, so that a retried command decides the same events.
 */
import type { County, Level } from './holders';
import type { ReturnKind, SupportCategory } from './events';

export interface RegisterHolder {
  kind: 'RegisterHolder';
  holderId: string;
  name: string;
  nameEn?: string;
  level: Level;
  county?: County;
  creditCode?: string;
}

export interface AppropriateFund {
  kind: 'AppropriateFund';
  fundId: string;
  name: string;
  nameEn?: string;
  fiscalYear: number;
  budgetFen: number;
  cityFinanceHolderId: string;
  occurredAt: string;
  document?: string;
}

export interface IssueAllocation {
  kind: 'IssueAllocation';
  allocationId: string;
  document: string;
  amountFen: number;
  direction: string;
  occurredAt: string;
}

export interface SendTransfer {
  kind: 'SendTransfer';
  transferId: string;
  fromHolderId: string;
  toHolderId: string;
  amountFen: number;
  document?: string;
  projectId?: string;
  allocationId?: string;
  occurredAt: string;
}

export interface ReceiveTransfer {
  kind: 'ReceiveTransfer';
  transferId: string;
  occurredAt: string;
}

export interface PayoutItem {
  payoutId: string;
  fromHolderId: string;
  projectId: string;
  amountFen: number;
  document?: string;
  allocationId?: string;
}

/** One payout or a batch: all of its items are paid, or none. */
export interface MakePayouts {
  kind: 'MakePayouts';
  batchId?: string;
  items: PayoutItem[];
  occurredAt: string;
}

export interface ReturnFunds {
  kind: 'ReturnFunds';
  returnId: string;
  fromHolderId: string;
  toHolderId: string;
  amountFen: number;
  returnKind: ReturnKind;
  reason: string;
  document?: string;
  occurredAt: string;
}

export interface ReverseEvent {
  kind: 'ReverseEvent';
  reversalId: string;
  eventId: string;
  reason: string;
  occurredAt: string;
  document?: string;
}

export interface RegisterProject {
  kind: 'RegisterProject';
  projectId: string;
  name: string;
  enterpriseHolderId: string;
  /** Defaults to the enterprise's county. */
  county?: County;
  parkHolderId?: string;
  direction: string;
  batch: number;
  category: SupportCategory;
  approvedFen: number;
  occurredAt: string;
  document?: string;
}

export interface ReportProgress {
  kind: 'ReportProgress';
  projectId: string;
  percent: number;
  note: string;
  occurredAt: string;
}

export interface CloseProject {
  kind: 'CloseProject';
  projectId: string;
  note: string;
  occurredAt: string;
}

export interface CancelProject {
  kind: 'CancelProject';
  projectId: string;
  reason: string;
  occurredAt: string;
}

export type FundCommand =
  | AppropriateFund
  | IssueAllocation
  | SendTransfer
  | ReceiveTransfer
  | MakePayouts
  | ReturnFunds
  | ReverseEvent
  | RegisterProject
  | ReportProgress
  | CloseProject
  | CancelProject;

/**
 * The events of the ledger. Every fact is one immutable event; corrections are new events (冲正).
 *
 * Streams: `holders` holds every HolderRegistered; `fund-<fundId>` holds everything that happens
 * to one fund, its money and its projects, so that one fund is one consistency boundary:
 * a decision sees every balance of the fund and is appended with the stream's expected version.
 */
import type { County, Level } from './holders';

export const SCHEMA_VERSION = 1;

export const HOLDERS_STREAM = 'holders';
export const fundStreamId = (fundId: string): string => `fund-${fundId}`;
export const fundIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('fund-') ? streamId.slice('fund-'.length) : undefined;

export type SupportCategory = 'review' | 'fulfilment';
export const CATEGORY_NAMES: Record<SupportCategory, { zh: string; en: string }> = {
  review: { zh: '评审类', en: 'reviewed' },
  fulfilment: { zh: '兑现类', en: 'fulfilment' },
};

export type ReturnKind = 'return' | 'clawback' | 'sweep';
export const RETURN_KIND_NAMES: Record<ReturnKind, { zh: string; en: string }> = {
  return: { zh: '退回', en: 'return' },
  clawback: { zh: '收回', en: 'clawback' },
  sweep: { zh: '结余收回统筹', en: 'sweep into the pool' },
};

export interface HolderRegistered {
  type: 'HolderRegistered';
  data: { holderId: string; name: string; nameEn?: string; level: Level; county?: County; creditCode?: string };
}

export interface FundAppropriated {
  type: 'FundAppropriated';
  data: {
    fundId: string;
    name: string;
    nameEn?: string;
    fiscalYear: number;
    budgetFen: number;
    /** The city finance bureau that holds the budget. */
    cityFinanceHolderId: string;
  };
}

export interface AllocationIssued {
  type: 'AllocationIssued';
  data: {
    fundId: string;
    allocationId: string;
    /** 文号, e.g. 呼财工指〔2022〕28号 */
    document: string;
    amountFen: number;
    /** 资金方向 / channel, e.g. 六大产业集群专班 */
    direction: string;
    /** The city finance bureau at which the earmarked money sits until it is sent on. */
    cityFinanceHolderId: string;
  };
}

export interface TransferSent {
  type: 'TransferSent';
  data: {
    fundId: string;
    transferId: string;
    fromHolderId: string;
    toHolderId: string;
    amountFen: number;
    document?: string;
    projectId?: string;
    allocationId?: string;
  };
}

export interface TransferReceived {
  type: 'TransferReceived';
  data: { fundId: string; transferId: string; fromHolderId: string; toHolderId: string; amountFen: number };
}

export interface PayoutMade {
  type: 'PayoutMade';
  data: {
    fundId: string;
    payoutId: string;
    fromHolderId: string;
    enterpriseHolderId: string;
    projectId: string;
    /** 支持方向 of the project, copied so that every payout can be grouped without a join. */
    direction: string;
    countyCode?: string;
    amountFen: number;
    document?: string;
    /** Set when the payout was one of a batch (成熟一批、报送一批): all of a batch are appended at once. */
    batchId?: string;
    allocationId?: string;
  };
}

export interface FundsReturned {
  type: 'FundsReturned';
  data: {
    fundId: string;
    returnId: string;
    /** For a sweep, the city finance bureau whose unallocated budget is swept. */
    fromHolderId: string;
    toHolderId: string;
    amountFen: number;
    kind: ReturnKind;
    reason: string;
    document?: string;
  };
}

export interface EventReversed {
  type: 'EventReversed';
  data: {
    fundId: string;
    reversalId: string;
    reversedEventId: string;
    reversedType: ReversibleEventType;
    reason: string;
    /** The movements the reversal makes: those of the reversed event, inverted. */
    movements: Movement[];
    /** Set when a payout is reversed, so that the project's paid amount can be corrected without a lookup. */
    projectId?: string;
  };
}

export interface ProjectRegistered {
  type: 'ProjectRegistered';
  data: {
    fundId: string;
    projectId: string;
    name: string;
    enterpriseHolderId: string;
    county: County;
    parkHolderId?: string;
    /** 支持方向, e.g. 技术装备首台（套）、关键零部件首批次 */
    direction: string;
    batch: number;
    category: SupportCategory;
    approvedFen: number;
  };
}

export interface ProjectProgressReported {
  type: 'ProjectProgressReported';
  data: { fundId: string; projectId: string; percent: number; note: string };
}

export interface ProjectClosed {
  type: 'ProjectClosed';
  data: { fundId: string; projectId: string; note: string };
}

export interface ProjectCancelled {
  type: 'ProjectCancelled';
  data: { fundId: string; projectId: string; reason: string };
}

export type FundEvent =
  | FundAppropriated
  | AllocationIssued
  | TransferSent
  | TransferReceived
  | PayoutMade
  | FundsReturned
  | EventReversed
  | ProjectRegistered
  | ProjectProgressReported
  | ProjectClosed
  | ProjectCancelled;

export type LedgerEvent = FundEvent | HolderRegistered;
export type LedgerEventType = LedgerEvent['type'];

export const REVERSIBLE_EVENT_TYPES = ['AllocationIssued', 'TransferSent', 'TransferReceived', 'PayoutMade', 'FundsReturned'] as const;
export type ReversibleEventType = (typeof REVERSIBLE_EVENT_TYPES)[number];

/**
 * A place money can be within one fund. Money only ever moves between places, so
 * the sum over all places equals what was appropriated (conservation).
 * - `unallocated`: the budget not yet earmarked by an allocation document, at the city finance bureau;
 * - `holder`: the money a holder holds;
 * - `transit`: money sent and not yet received (在途), per transfer;
 * - `outside`: where appropriated money comes from.
 */
export type Place =
  | { kind: 'outside' }
  | { kind: 'unallocated' }
  | { kind: 'holder'; holderId: string }
  | { kind: 'transit'; transferId: string };

export interface Movement {
  from: Place;
  to: Place;
  amountFen: number;
}

const holderPlace = (holderId: string): Place => ({ kind: 'holder', holderId });

/** The movements of money an event makes; empty for events that move none. */
export function movementsOf(event: LedgerEvent): Movement[] {
  switch (event.type) {
    case 'FundAppropriated':
      return [{ from: { kind: 'outside' }, to: { kind: 'unallocated' }, amountFen: event.data.budgetFen }];
    case 'AllocationIssued':
      return [{ from: { kind: 'unallocated' }, to: holderPlace(event.data.cityFinanceHolderId), amountFen: event.data.amountFen }];
    case 'TransferSent':
      return [{ from: holderPlace(event.data.fromHolderId), to: { kind: 'transit', transferId: event.data.transferId }, amountFen: event.data.amountFen }];
    case 'TransferReceived':
      return [{ from: { kind: 'transit', transferId: event.data.transferId }, to: holderPlace(event.data.toHolderId), amountFen: event.data.amountFen }];
    case 'PayoutMade':
      return [{ from: holderPlace(event.data.fromHolderId), to: holderPlace(event.data.enterpriseHolderId), amountFen: event.data.amountFen }];
    case 'FundsReturned':
      return [
        {
          from: event.data.kind === 'sweep' ? { kind: 'unallocated' } : holderPlace(event.data.fromHolderId),
          to: holderPlace(event.data.toHolderId),
          amountFen: event.data.amountFen,
        },
      ];
    case 'EventReversed':
      return event.data.movements;
    default:
      return [];
  }
}

export function invert(movements: Movement[]): Movement[] {
  return movements.map((movement) => ({ from: movement.to, to: movement.from, amountFen: movement.amountFen })).reverse();
}

export function placeKey(place: Place): string {
  switch (place.kind) {
    case 'holder':
      return `holder:${place.holderId}`;
    case 'transit':
      return `transit:${place.transferId}`;
    default:
      return place.kind;
  }
}

/**
 * A demo script: an ordered list of steps that, executed in order, builds a fund from nothing.
 * A step either registers a holder (stream `holders`) or sends one command to one fund (stream `fund-<fundId>`).
 * Scripts are plain data: fixed ids, fixed business dates, no randomness, no clock.
 */
import type { FundCommand, RegisterHolder } from '../domain/commands';
import type { LedgerEvent } from '../domain/events';

export interface DemoActor {
  id: string;
  role: string;
  unit?: string;
}

export type DemoStep = { holder: RegisterHolder } | { fundId: string; command: FundCommand; actor: DemoActor };

export type HolderStep = Extract<DemoStep, { holder: RegisterHolder }>;
export type FundStep = Extract<DemoStep, { fundId: string }>;

export function isHolderStep(step: DemoStep): step is HolderStep {
  return 'holder' in step;
}

export function isFundStep(step: DemoStep): step is FundStep {
  return 'fundId' in step;
}

/** The business date of a step; holder registrations carry none. */
export function stepDate(step: DemoStep): string | undefined {
  return isFundStep(step) ? step.command.occurredAt : undefined;
}

/**
 * Deterministic event ids for scripts.
 *
 * A script that reverses an event (冲正) must name that event's id before the event exists, so demo event ids
 * are derived from the event itself: `<fundId>/<EventType>/<business id>` (the transfer, payout, return,
 * reversal or allocation id, unique within a fund). Events without such an id (project registration,
 * progress, closing) add their stream version: `<fundId>/<EventType>/<projectId>@<version>`.
 * Holder registrations are `holders/HolderRegistered/<holderId>`.
 *
 * The pure runner (`run-script.ts`) uses exactly these ids. A ledger service that mints its own ids
 * (UUIDs) must resolve a `ReverseEvent.eventId` that `parseDemoEventRef` recognises to the id of the
 * event of that type with that business id before deciding.
 */
export function demoEventId(streamKey: string, event: LedgerEvent, version: number): string {
  switch (event.type) {
    case 'HolderRegistered':
      return `holders/HolderRegistered/${event.data.holderId}`;
    case 'FundAppropriated':
      return `${streamKey}/FundAppropriated/${event.data.fundId}`;
    case 'AllocationIssued':
      return demoEventRef(streamKey, 'AllocationIssued', event.data.allocationId);
    case 'TransferSent':
    case 'TransferReceived':
      return demoEventRef(streamKey, event.type, event.data.transferId);
    case 'PayoutMade':
      return demoEventRef(streamKey, 'PayoutMade', event.data.payoutId);
    case 'FundsReturned':
      return demoEventRef(streamKey, 'FundsReturned', event.data.returnId);
    case 'EventReversed':
      return demoEventRef(streamKey, 'EventReversed', event.data.reversalId);
    case 'ProjectRegistered':
    case 'ProjectProgressReported':
    case 'ProjectClosed':
    case 'ProjectCancelled':
      return `${streamKey}/${event.type}/${event.data.projectId}@${version}`;
    default: {
      const never: never = event;
      throw new Error(`invariant: no demo event id for ${JSON.stringify(never)}`);
    }
  }
}

export type DemoRefType = 'AllocationIssued' | 'TransferSent' | 'TransferReceived' | 'PayoutMade' | 'FundsReturned' | 'EventReversed';

/** The id a script uses to name an event of a fund by its business id, e.g. `hohhot-2022-industrial/TransferSent/t-0011`. */
export function demoEventRef(fundId: string, type: DemoRefType, businessId: string): string {
  return `${fundId}/${type}/${businessId}`;
}

const REF_PATTERN = /^([^/]+)\/(AllocationIssued|TransferSent|TransferReceived|PayoutMade|FundsReturned|EventReversed)\/([^/@]+)$/;

/** Reads back a reference made by `demoEventRef`; undefined for anything else. */
export function parseDemoEventRef(ref: string): { fundId: string; type: DemoRefType; businessId: string } | undefined {
  const match = REF_PATTERN.exec(ref);
  return match ? { fundId: match[1], type: match[2] as DemoRefType, businessId: match[3] } : undefined;
}

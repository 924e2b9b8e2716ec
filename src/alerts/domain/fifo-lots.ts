/**
 * FIFO lots of one fund, as a pure function over its events: every arrival of money at a holder is a
 * lot with its own clock; money leaving a holder is taken from its oldest lots first (先进先出).
 *
 * This is the only lot logic of the alerts. It follows the same rules as the money projection's fold
 * (projections/money/money-fold.ts): FIFO by age, the allocation travels with the money and a transfer or payout
 * naming an allocation takes that allocation's lots first, a reversal takes back the lots the reversed event made and
 * returns the money with the age it had before (a corrected mistake does not restart the clock).
 * tests/alerts/demo-and-engine.unit.spec.ts checks on the demo fund that both give the same lots; the fold keeps
 * open lots only (it evicts and persists), while alerts need each lot's outflows by date, hence this small copy.
 */
import type { LedgerEvent, Place } from '../../domain/events';
import { movementsOf } from '../../domain/events';

/** The least an alert evaluation needs of a recorded fund event. */
export interface FundEventInput {
  eventId: string;
  type: string;
  data: unknown;
  /** Business date "YYYY-MM-DD". */
  occurredAt: string;
}

export interface LotOutflow {
  on: string;
  amountFen: number;
}

/** One arrival of money at one holder. */
export interface LotRecord {
  /** Stable across stores and rebuilds: the id of the event that made the lot and the piece's index. */
  lotKey: string;
  holderId: string;
  amountFen: number;
  /** When this money's clock at the holder starts (its arrival, or its earlier arrival after a reversal). */
  ageFrom: string;
  /** The event that brought it, and its type. */
  eventId: string;
  eventType: string;
  allocationId?: string;
  outflows: LotOutflow[];
  remainingFen: number;
  /** The latest business date money left the lot, once it is used up. */
  closedOn?: string;
}

interface OpenLot extends LotRecord {
  sequence: number;
  /** The age the money had at the place it came from (for a reversal to restore). */
  sourceAgeFrom?: string;
}

/** The most pieces one event may split into: a bound on the work of one move. */
export const PIECES_PER_EVENT_MAX = 1_000;

const placeKey = (place: Place): string => (place.kind === 'holder' ? `h:${place.holderId}` : place.kind === 'transit' ? `t:${place.transferId}` : place.kind);

/** Every lot money formed at a holder of the fund, in the order they were formed. Events in stream order. */
export function lotHistory(events: readonly FundEventInput[]): LotRecord[] {
  const places = new Map<string, OpenLot[]>();
  const all: OpenLot[] = [];
  let sequence = 0;
  for (const recorded of events) {
    const event = { type: recorded.type, data: recorded.data } as LedgerEvent;
    const date = recorded.occurredAt;
    const reversedEventId = event.type === 'EventReversed' ? event.data.reversedEventId : undefined;
    const allocationId =
      event.type === 'TransferSent' || event.type === 'PayoutMade' ? event.data.allocationId : undefined;
    let pieceIndex = 0;
    for (const movement of movementsOf(event)) {
      if (movement.amountFen <= 0) continue;
      const pieces: Array<{ amountFen: number; ageFrom?: string; sourceAgeFrom?: string; allocationId?: string }> = [];
      if (movement.from.kind === 'outside') {
        pieces.push({ amountFen: movement.amountFen });
      } else {
        const lots = places.get(placeKey(movement.from)) ?? [];
        const prefer = (lot: OpenLot) =>
          (reversedEventId !== undefined && lot.eventId === reversedEventId) || (allocationId !== undefined && lot.allocationId === allocationId);
        const order = [...lots.filter(prefer), ...lots.filter((lot) => !prefer(lot))];
        let needed = movement.amountFen;
        for (const lot of order) {
          if (needed === 0) break;
          const taken = Math.min(lot.remainingFen, needed);
          if (taken <= 0) continue;
          lot.remainingFen -= taken;
          needed -= taken;
          lot.outflows.push({ on: date, amountFen: taken });
          if (lot.remainingFen === 0) lot.closedOn = lot.outflows.reduce((latest, out) => (out.on > latest ? out.on : latest), date);
          const restoredAge = reversedEventId !== undefined && lot.eventId === reversedEventId ? lot.sourceAgeFrom : undefined;
          // the allocation (文号) travels with the money, as in the projection's fold
          pieces.push({ amountFen: taken, ageFrom: restoredAge, sourceAgeFrom: lot.ageFrom, ...(lot.allocationId && movement.to.kind !== 'unallocated' ? { allocationId: lot.allocationId } : {}) });
        }
        if (needed !== 0) throw new Error(`invariant: ${placeKey(movement.from)} holds too little for event ${recorded.eventId} (${needed} fen short)`);
        places.set(placeKey(movement.from), lots.filter((lot) => lot.remainingFen > 0));
      }
      const toKey = placeKey(movement.to);
      for (const piece of pieces) {
        if (pieceIndex >= PIECES_PER_EVENT_MAX) throw new Error(`invariant: event ${recorded.eventId} splits into more than ${PIECES_PER_EVENT_MAX} pieces`);
        const lot: OpenLot = {
          lotKey: `${recorded.eventId}#${pieceIndex++}`,
          holderId: movement.to.kind === 'holder' ? movement.to.holderId : '',
          amountFen: piece.amountFen,
          ageFrom: piece.ageFrom ?? date,
          eventId: recorded.eventId,
          eventType: recorded.type,
          ...(event.type === 'AllocationIssued' ? { allocationId: event.data.allocationId } : piece.allocationId ? { allocationId: piece.allocationId } : {}),
          outflows: [],
          remainingFen: piece.amountFen,
          sequence: sequence++,
          ...(piece.sourceAgeFrom ? { sourceAgeFrom: piece.sourceAgeFrom } : {}),
        };
        const lots = places.get(toKey) ?? [];
        insertByAge(lots, lot);
        places.set(toKey, lots);
        if (movement.to.kind === 'holder') all.push(lot);
      }
    }
  }
  return all.map(({ sequence: _sequence, sourceAgeFrom: _source, ...lot }) => lot);
}

function insertByAge(lots: OpenLot[], lot: OpenLot): void {
  let index = lots.length;
  while (index > 0 && (lots[index - 1].ageFrom > lot.ageFrom || (lots[index - 1].ageFrom === lot.ageFrom && lots[index - 1].sequence > lot.sequence))) index--;
  lots.splice(index, 0, lot);
}

/** What was left of a lot at the end of a business date. */
export function remainingOn(lot: LotRecord, date: string): number {
  return lot.amountFen - lot.outflows.filter((out) => out.on <= date).reduce((sum, out) => sum + out.amountFen, 0);
}

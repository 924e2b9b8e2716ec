/**
 * The pure fold behind balances, dwell time and execution: every movement of `movementsOf(event)` takes
 * money out of the FIFO lots of its source place and forms new lots at its destination. No I/O here: the
 * projection (money.projection.ts) loads lots into it and writes out what changed.
 *
 * Decisions (why):
 * - Places are those of the domain: `unallocated` (the budget not yet earmarked, with its own age from the
 *   appropriation date), `holder:<id>`, `transit:<transferId>` (在途; its lots age too), `outside` (no lots).
 * - FIFO by age: a place's lots are kept ordered by (age_from, id); a move takes the oldest first.
 *   Two preferences come before plain FIFO, because the event says which money it means:
 *   a transfer or payout naming an `allocationId` takes lots of that allocation first (so the document
 *   attribution agrees with the ledger's own allocation accounting), and a reversal takes the lots that the
 *   reversed event created first (it pulls back exactly the money that moved).
 * - Age after a reversal: the money goes back to the place it came from as lots keeping the age they had
 *   there before the reversed event (`back_age_from`): a reversed payout returns to the payer's books as
 *   if it had never left; a reversed receipt returns to transit with its transit age, and reversing the send
 *   after that returns it to the sender with the sender's age (two levels are remembered). If the reversed
 *   event's lots were already gone (the money moved on and the reversal took other money), the returned
 *   lot's age starts at the reversal date.
 * - Every other arrival starts a new clock at its business date: dwell time is per holder, "how long did
 *   this money sit here", which is what the evaluation's "滞留" is about.
 * - Attribution (allocation document, support direction, project, county) travels with the money through
 *   the lots. An allocation's lots at the city finance bureau carry its id; a payout stamps direction,
 *   project and county; money coming back out of an enterprise keeps the stamps it had, so a reversal or
 *   clawback subtracts from the same groups it once added to.
 * - Lots are split, never merged: one flow row per (movement × consumed lot) keeps every attribution exact.
 */
import { calendarDayNumber } from '../../src/domain/dates';
import { type LedgerEvent, type Movement, type Place, movementsOf } from '../../src/domain/events';
import type { ProjectionEvent } from '../../src/event-store/event-store.port';

export interface Lot {
  id: number;
  fund_id: string;
  position: number;
  occurred_at: string;
  event_id: string;
  event_type: string;
  reversed_type: string | null;
  from_kind: string;
  from_id: string;
  from_level: string | null;
  from_county: string | null;
  to_kind: string;
  to_id: string;
  to_level: string | null;
  to_county: string | null;
  amount_fen: number;
  source_lot_id: number | null;
  source_age_from: string | null;
  dwell_days: number | null;
  age_from: string;
  /** The event whose reversal pulls this lot back (its creator; for a lot restored by a reversal, the original's creator). */
  origin_event_id: string;
  /** What a reversal of origin_event_id restores at the place the money came from: its age there, and one level further back. */
  back_age_from: string | null;
  back_origin_event_id: string | null;
  back_back_age_from: string | null;
  allocation_id: string | null;
  direction: string | null;
  project_id: string | null;
  county_code: string | null;
  remaining_fen: number;
  last_out_on: string | null;
  closed_position: number | null;
}

export interface HolderInfo {
  holderId: string;
  name: string;
  nameEn?: string;
  level: string;
  countyCode: string | null;
  countyName: string | null;
  registeredPosition: number;
}

export interface FundInfo {
  fundId: string;
  name: string;
  fiscalYear: number;
  budgetFen: number;
  cityFinanceHolderId: string;
  appropriatedOn: string;
  appropriatedPosition: number;
}

export interface AllocationInfo {
  fundId: string;
  allocationId: string;
  eventId: string;
  document: string;
  channel: string;
  amountFen: number;
  issuedOn: string;
  issuedPosition: number;
  reversedOn: string | null;
  reversedPosition: number | null;
}

interface PlaceEntry {
  lots: Lot[];
  /** True when `lots` holds every open lot of the place (false: some are only in the database). */
  complete: boolean;
  level: string | null;
  /** The batch (count of hand-overs before it) that last changed the place's lots: see `handedOver`. */
  changedIn: number;
}

/** At most this many pieces per event: ids are position × PIECES_PER_EVENT_MAX + sequence. */
export const PIECES_PER_EVENT_MAX = 1000;
/** Levels whose money rarely moves again: their lots are evicted from memory after each batch (memory stays flat). */
const TERMINAL_LEVELS = new Set(['enterprise', 'pool']);

const DAY_MS = 86_400_000;
/**
 * Whole days since 1970-01-01 of a business date "YYYY-MM-DD" (anything after the 10th character is ignored). Every
 * move of the fold asks for two (the dwell of the piece): by the domain's arithmetic on the digits; what is not a real
 * day in that form goes through Date.parse as before, and an invariant fails if that gives no date either.
 */
export function dayNumber(date: string): number {
  const day = calendarDayNumber(date) ?? Math.round(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / DAY_MS);
  if (!Number.isFinite(day)) throw new Error(`invariant: not a business date: ${date}`);
  return day;
}
export const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);

const placeId = (place: Place): string => (place.kind === 'holder' ? place.holderId : place.kind === 'transit' ? place.transferId : '');
/** A place's key in memory from the columns a flow row has for it (`fund_id`, `to_kind`, `to_id`: '' but for holders and transfers). */
export const placeKey = (fundId: string, kind: string, id: string): string => `${fundId}|${kind}|${id}`;
export const placeKeyOf = (fundId: string, place: Place): string => placeKey(fundId, place.kind, placeId(place));

export interface MoneyFoldOptions {
  fresh: boolean;
}

interface MoveContext {
  event: ProjectionEvent;
  fundId: string;
  date: string;
  reversedType: string | null;
  prefer?: (lot: Lot) => boolean;
  /** A reversal: the event it reverses (its lots are taken first and restored with their earlier ages). */
  reversedEventId?: string;
  stamp?: Partial<Pick<Lot, 'allocation_id' | 'direction' | 'project_id' | 'county_code'>>;
  /** Level and county of a transit place: those of the holder the money is heading to. */
  transitTarget?: { level: string | null; county: string | null };
}

export class MoneyFold {
  readonly holders = new Map<string, HolderInfo>();
  readonly allocationsByEvent = new Map<string, AllocationInfo>();
  private readonly places = new Places();
  /** The lots created since the last hand-over, in the order made: new rows, written with a plain INSERT. */
  readonly newLots: Lot[] = [];
  /** Lots created before the last hand-over that money was taken from since: a narrow UPDATE each. */
  readonly takenLots = new Set<Lot>();
  /**
   * The position of the first event folded since the last hand-over (-1 before it): a lot of an earlier position is
   * in the tables or in the batch handed over, so taking from it is an UPDATE; a later one is among `newLots`.
   */
  private batchFrom = -1;
  /** Batches committed so far (terminal places are dropped from memory at each commit). */
  private commits = 0;
  readonly dirtyHolders: HolderInfo[] = [];
  readonly dirtyFunds: FundInfo[] = [];
  readonly dirtyAllocations = new Set<AllocationInfo>();
  private sequence = 0;

  constructor(private readonly options: MoneyFoldOptions) {}

  // -------------------------------------------------------------------------------------------
  // what the projection asks

  /** The places whose lots this batch will take from and that are not complete in memory. */
  placesToLoad(events: readonly ProjectionEvent[]): Array<{ key: string; fundId: string; kind: string; id: string }> {
    const wanted = new Map<string, { key: string; fundId: string; kind: string; id: string }>();
    for (const event of events) {
      const fundId = (event.data as { fundId?: string }).fundId;
      if (!fundId) continue;
      for (const movement of movementsOf({ type: event.type, data: event.data } as LedgerEvent)) {
        if (movement.from.kind === 'outside') continue;
        const id = placeId(movement.from);
        const entry = this.places.get(fundId, movement.from.kind, id);
        if (entry?.complete) continue;
        if (!entry && this.knownEmptyWhenAbsent(movement.from)) continue;
        const key = placeKey(fundId, movement.from.kind, id);
        if (!wanted.has(key)) wanted.set(key, { key, fundId, kind: movement.from.kind, id });
      }
    }
    return [...wanted.values()];
  }

  /** Puts the open lots of a place, as read back from the tables, in memory (they are the whole truth after a commit). */
  loadPlace(place: { fundId: string; kind: string; id: string }, lots: Lot[], level: string | null): void {
    // An incomplete entry holds only lots that arrived since it was made (nothing is taken from an incomplete
    // place): of this batch (not in the tables yet), of the batch handed over and maybe still being committed, or
    // of committed batches (in the tables, unchanged since). The place is the tables plus these, by id, the object
    // in memory replacing its row (the batch being folded may hold it among its new lots).
    const pending = this.places.get(place.fundId, place.kind, place.id);
    if (pending && !pending.complete && pending.lots.length > 0) {
      const inMemory = new Set(pending.lots.map((lot) => lot.id));
      lots = lots.filter((lot) => !inMemory.has(lot.id));
      lots.push(...pending.lots);
    }
    lots.sort(byAge);
    this.places.set(place.fundId, place.kind, place.id, { lots, complete: true, level: level ?? pending?.level ?? null, changedIn: pending?.changedIn ?? -1 });
  }

  /**
   * Whether a place that has no entry in memory is known to hold nothing (so its lots need no loading before
   * money is taken from it). Only in a fresh fold (a rebuild: the tables were empty at its start), and only for
   * places that are dropped from memory only once empty: transit, the unallocated budget, and holders known to be
   * non-terminal. A terminal holder (an enterprise, the pool) is dropped after every commit whatever it holds, and
   * a holder registered in the very batch being prepared has no level yet: both are loaded (one indexed query;
   * money leaves them only on a reversal or clawback, a few thousand times in a million events).
   * This rule replaces a set of every evicted place, which grew with the history: memory is now bounded by the
   * money currently held at non-terminal places, not by how many enterprises were ever paid.
   */
  private knownEmptyWhenAbsent(place: Place): boolean {
    if (!this.options.fresh) return false;
    if (place.kind !== 'holder') return true;
    const level = this.holders.get(place.holderId)?.level;
    return level !== undefined && !this.isTerminal(level);
  }

  private isTerminal(level: string | null): boolean {
    return level !== null && TERMINAL_LEVELS.has(level);
  }

  /**
   * After a batch is handed over to the read model: forget the lots of terminal places (enterprises, the pool),
   * whose money seldom moves again, and empty places. Not those this batch changed: the runner folds the next batch
   * while this one may still be committing, and a place read back from the tables then would miss this batch's
   * rows. They are forgotten after the next batch, if it leaves them alone (by then this one has landed).
   */
  handedOver(): void {
    const batch = this.commits++;
    this.newLots.length = 0;
    this.takenLots.clear();
    this.batchFrom = -1;
    this.dirtyHolders.length = 0;
    this.dirtyFunds.length = 0;
    this.dirtyAllocations.clear();
    this.places.forget((entry) => {
      if (entry.changedIn === batch) return false;
      // empty places (a transfer received, a holder that sent everything on) are forgotten: memory stays bounded
      if (entry.lots.length === 0 && entry.complete) return true;
      return this.isTerminal(entry.level);
    });
  }

  /** Open lots in memory for a place (tests). */
  lotsAt(fundId: string, place: Place): Lot[] {
    return this.places.get(fundId, place.kind, placeId(place))?.lots ?? [];
  }

  // -------------------------------------------------------------------------------------------
  // the fold

  apply(event: ProjectionEvent): void {
    this.sequence = 0;
    if (this.batchFrom < 0) this.batchFrom = event.position;
    const domainEvent = { type: event.type, data: event.data } as LedgerEvent;
    const date = event.metadata.occurredAt;
    switch (domainEvent.type) {
      case 'HolderRegistered': {
        const data = domainEvent.data;
        const holder: HolderInfo = {
          holderId: data.holderId,
          name: data.name,
          ...(data.nameEn ? { nameEn: data.nameEn } : {}),
          level: data.level,
          countyCode: data.county?.code ?? null,
          countyName: data.county?.name ?? null,
          registeredPosition: event.position,
        };
        this.holders.set(data.holderId, holder);
        this.dirtyHolders.push(holder);
        return;
      }
      case 'FundAppropriated': {
        const data = domainEvent.data;
        this.dirtyFunds.push({
          fundId: data.fundId,
          name: data.name,
          fiscalYear: data.fiscalYear,
          budgetFen: data.budgetFen,
          cityFinanceHolderId: data.cityFinanceHolderId,
          appropriatedOn: date,
          appropriatedPosition: event.position,
        });
        this.moveAll(domainEvent, { event, fundId: data.fundId, date, reversedType: null });
        return;
      }
      case 'AllocationIssued': {
        const data = domainEvent.data;
        const allocation: AllocationInfo = {
          fundId: data.fundId,
          allocationId: data.allocationId,
          eventId: event.eventId,
          document: data.document,
          channel: data.direction,
          amountFen: data.amountFen,
          issuedOn: date,
          issuedPosition: event.position,
          reversedOn: null,
          reversedPosition: null,
        };
        this.allocationsByEvent.set(event.eventId, allocation);
        this.dirtyAllocations.add(allocation);
        this.moveAll(domainEvent, { event, fundId: data.fundId, date, reversedType: null, stamp: { allocation_id: data.allocationId } });
        return;
      }
      case 'TransferSent': {
        const data = domainEvent.data;
        const target = this.holders.get(data.toHolderId);
        const allocationId = data.allocationId;
        this.moveAll(domainEvent, {
          event,
          fundId: data.fundId,
          date,
          reversedType: null,
          ...(allocationId ? { prefer: (lot: Lot) => lot.allocation_id === allocationId } : {}),
          transitTarget: { level: target?.level ?? null, county: target?.countyCode ?? null },
        });
        return;
      }
      case 'TransferReceived':
      case 'FundsReturned':
        this.moveAll(domainEvent, { event, fundId: domainEvent.data.fundId, date, reversedType: null });
        return;
      case 'PayoutMade': {
        const data = domainEvent.data;
        const allocationId = data.allocationId;
        this.moveAll(domainEvent, {
          event,
          fundId: data.fundId,
          date,
          reversedType: null,
          ...(allocationId ? { prefer: (lot: Lot) => lot.allocation_id === allocationId } : {}),
          stamp: {
            direction: data.direction,
            project_id: data.projectId,
            county_code: data.countyCode ?? this.holders.get(data.enterpriseHolderId)?.countyCode ?? null,
          },
        });
        return;
      }
      case 'EventReversed': {
        const data = domainEvent.data;
        const reversedEventId = data.reversedEventId;
        if (data.reversedType === 'AllocationIssued') {
          const allocation = this.allocationsByEvent.get(reversedEventId);
          if (!allocation) throw new Error(`invariant: reversal ${data.reversalId} of an allocation the projection never saw`);
          allocation.reversedOn = date;
          allocation.reversedPosition = event.position;
          this.dirtyAllocations.add(allocation);
        }
        // a reversed receipt puts the money back in transit, heading again to the holder that gives it back
        const giver = data.reversedType === 'TransferReceived' ? data.movements[0]?.from : undefined;
        const giverHolder = giver?.kind === 'holder' ? this.holders.get(giver.holderId) : undefined;
        this.moveAll(domainEvent, {
          event,
          fundId: data.fundId,
          date,
          reversedType: data.reversedType,
          ...(giverHolder ? { transitTarget: { level: giverHolder.level, county: giverHolder.countyCode } } : {}),
          prefer: (lot) => lot.origin_event_id === reversedEventId,
          reversedEventId,
        });
        return;
      }
      default:
        return; // project events move no money
    }
  }

  private moveAll(event: LedgerEvent, context: MoveContext): void {
    for (const movement of movementsOf(event)) this.move(movement, context);
  }

  private move(movement: Movement, context: MoveContext): void {
    if (movement.amountFen <= 0) return;
    const { fundId, date } = context;
    const from = this.attributesOf(movement.from, context, 'from');
    const to = this.attributesOf(movement.to, context, 'to');
    // only a holder's level makes a place terminal (a transit place carries its receiver's level for the reports)
    const toLevel = movement.to.kind === 'holder' ? to.level : null;
    if (movement.from.kind === 'outside') {
      this.addLot(fundId, movement.to, toLevel, this.newLot(context, from, to, movement.amountFen, null, context.stamp ?? {}, date));
      return;
    }
    const pieces = this.take(fundId, movement.from, movement.amountFen, context);
    const given = context.stamp;
    for (const piece of pieces) {
      // the lot's own stamps, overridden by the event's (a key present in the event's stamp wins, even if undefined);
      // one object per piece, not three (inherited, the spread, the event's)
      const source = piece.lot;
      const stamp = {
        allocation_id: given !== undefined && 'allocation_id' in given ? given.allocation_id : source.allocation_id,
        direction: given !== undefined && 'direction' in given ? given.direction : source.direction,
        project_id: given !== undefined && 'project_id' in given ? given.project_id : source.project_id,
        county_code: given !== undefined && 'county_code' in given ? given.county_code : source.county_code,
      };
      // money back in the unallocated budget is no longer earmarked by any document
      if (movement.to.kind === 'unallocated') stamp.allocation_id = null;
      const fromAttributes = movement.from.kind === 'transit' ? { kind: from.kind, id: from.id, level: source.to_level, county: source.to_county } : from;
      const lot = this.newLot(context, fromAttributes, to, piece.amount, piece.lot, stamp, date);
      if (context.reversedEventId !== undefined) this.restore(lot, piece.lot, context.reversedEventId);
      this.addLot(fundId, movement.to, toLevel, lot);
    }
  }

  /**
   * A reversal gives the money back the identity it had before the reversed move: the age at its earlier place
   * and what a further reversal would need (two levels are kept: e.g. reverse a receipt, then the send).
   * Money the reversed event did not create (it had moved on) starts a new clock at the reversal date.
   */
  private restore(lot: Lot, piece: Lot, reversedEventId: string): void {
    if (piece.origin_event_id !== reversedEventId || piece.back_age_from === null) {
      lot.back_age_from = lot.back_origin_event_id = lot.back_back_age_from = null;
      return;
    }
    lot.age_from = piece.back_age_from;
    lot.origin_event_id = piece.back_origin_event_id ?? lot.event_id;
    lot.back_age_from = piece.back_back_age_from;
    lot.back_origin_event_id = null;
    lot.back_back_age_from = null;
  }

  private attributesOf(place: Place, context: MoveContext, side: 'from' | 'to'): { kind: string; id: string; level: string | null; county: string | null } {
    if (place.kind === 'holder') {
      const holder = this.holders.get(place.holderId);
      return { kind: 'holder', id: place.holderId, level: holder?.level ?? null, county: holder?.countyCode ?? null };
    }
    if (place.kind === 'transit') {
      if (side === 'to' && context.transitTarget) return { kind: 'transit', id: place.transferId, ...context.transitTarget };
      return { kind: 'transit', id: place.transferId, level: null, county: null };
    }
    return { kind: place.kind, id: '', level: null, county: null };
  }

  private newLot(
    context: MoveContext,
    from: { kind: string; id: string; level: string | null; county: string | null },
    to: { kind: string; id: string; level: string | null; county: string | null },
    amountFen: number,
    source: Lot | null,
    stamp: Partial<Pick<Lot, 'allocation_id' | 'direction' | 'project_id' | 'county_code'>>,
    ageFrom: string,
  ): Lot {
    if (this.sequence >= PIECES_PER_EVENT_MAX) throw new Error(`invariant: event ${context.event.eventId} moves more than ${PIECES_PER_EVENT_MAX} pieces`);
    const id = context.event.position * PIECES_PER_EVENT_MAX + this.sequence++;
    return {
      id,
      fund_id: context.fundId,
      position: context.event.position,
      occurred_at: context.date,
      event_id: context.event.eventId,
      event_type: context.event.type,
      reversed_type: context.reversedType,
      from_kind: from.kind,
      from_id: from.id,
      from_level: from.level,
      from_county: from.county,
      to_kind: to.kind,
      to_id: to.id,
      to_level: to.level,
      to_county: to.county,
      amount_fen: amountFen,
      source_lot_id: source ? source.id : null,
      source_age_from: source ? source.age_from : null,
      dwell_days: source ? daysBetween(source.age_from, context.date) : null,
      age_from: ageFrom,
      origin_event_id: context.event.eventId,
      back_age_from: source ? source.age_from : null,
      back_origin_event_id: source ? source.origin_event_id : null,
      back_back_age_from: source ? source.back_age_from : null,
      allocation_id: stamp.allocation_id ?? null,
      direction: stamp.direction ?? null,
      project_id: stamp.project_id ?? null,
      county_code: stamp.county_code ?? null,
      remaining_fen: amountFen,
      last_out_on: null,
      closed_position: null,
    };
  }

  private addLot(fundId: string, place: Place, level: string | null, lot: Lot): void {
    const id = placeId(place);
    let entry = this.places.get(fundId, place.kind, id);
    if (!entry) {
      // complete: nothing of this place can be in the tables. Fresh fold: a non-terminal place is absent only when
      // empty; a terminal one only before the first commit (afterwards it may have been dropped with lots in it).
      entry = { lots: [], complete: this.options.fresh && (!this.isTerminal(level) || this.commits === 0), level, changedIn: this.commits };
      this.places.set(fundId, place.kind, id, entry);
    } else if (entry.level === null) entry.level = level; // loaded before its holder was registered (same batch)
    entry.changedIn = this.commits;
    insertSorted(entry.lots, lot);
    this.newLots.push(lot);
  }

  /** Takes `amountFen` from the place's lots: preferred lots first, then oldest first. */
  private take(fundId: string, place: Place, amountFen: number, context: MoveContext): Array<{ lot: Lot; amount: number }> {
    const entry = this.places.get(fundId, place.kind, placeId(place));
    if (!entry || !entry.complete) {
      throw new Error(`invariant: lots of ${placeKeyOf(fundId, place)} are not in memory (position ${context.event.position}); prepare() must load them`);
    }
    entry.changedIn = this.commits;
    const pieces: Array<{ lot: Lot; amount: number }> = [];
    const lots = entry.lots;
    const prefer = context.prefer;
    // preferred lots first (in age order), then the others (in age order): two passes over the same array instead of
    // building the reordered copy
    let needed = prefer ? this.takeFrom(lots, amountFen, context, pieces, prefer, true) : amountFen;
    needed = this.takeFrom(lots, needed, context, pieces, prefer, false);
    if (needed !== 0) {
      throw new Error(`invariant: ${placeKeyOf(fundId, place)} holds ${amountFen - needed} fen in its lots, event ${context.event.eventId} takes ${amountFen}`);
    }
    // drop the used-up lots in place (most takes use up none or only the oldest few)
    let kept = 0;
    for (let index = 0; index < lots.length; index++) {
      const lot = lots[index];
      if (lot.remaining_fen > 0) {
        if (kept !== index) lots[kept] = lot;
        kept++;
      }
    }
    lots.length = kept;
    // an emptied place stays in memory (known complete) until the batch commits: a credit and a debit may
    // still follow in this batch, and only after the commit do the tables know it is empty
    return pieces;
  }

  /** One pass of `take`: over the lots that `prefer` accepts (preferred) or, in the second pass, those it does not. */
  private takeFrom(
    lots: Lot[],
    needed: number,
    context: MoveContext,
    pieces: Array<{ lot: Lot; amount: number }>,
    prefer: ((lot: Lot) => boolean) | undefined,
    preferred: boolean,
  ): number {
    for (let index = 0; index < lots.length && needed > 0; index++) {
      const lot = lots[index];
      if (prefer && prefer(lot) !== preferred) continue;
      const amount = Math.min(lot.remaining_fen, needed);
      if (amount <= 0) continue;
      lot.remaining_fen -= amount;
      needed -= amount;
      // last_out_on is the latest business date money was taken from the lot (dates need not be in log order),
      // so "used up as of date D" is `closed_position IS NOT NULL AND last_out_on <= D`
      lot.last_out_on = lot.last_out_on === null || context.date > lot.last_out_on ? context.date : lot.last_out_on;
      if (lot.remaining_fen === 0) lot.closed_position = context.event.position;
      pieces.push({ lot, amount });
      if (lot.position < this.batchFrom) this.takenLots.add(lot);
    }
    return needed;
  }
}

/**
 * The places in memory, by fund, then by kind and id as the events name them: two lookups in small maps with the ids
 * the events carry, instead of one in a big map by a "fund|kind|id" string built for every move (two a move; building,
 * flattening and hashing those keys was a visible share of the fold's time). Only holders, transfers (transit) and
 * the unallocated budget hold lots; `outside` never does.
 */
class Places {
  private readonly funds = new Map<string, { holder: Map<string, PlaceEntry>; transit: Map<string, PlaceEntry>; unallocated: PlaceEntry | undefined }>();

  get(fundId: string, kind: string, id: string): PlaceEntry | undefined {
    const fund = this.funds.get(fundId);
    if (fund === undefined) return undefined;
    return kind === 'holder' ? fund.holder.get(id) : kind === 'transit' ? fund.transit.get(id) : kind === 'unallocated' ? fund.unallocated : undefined;
  }

  set(fundId: string, kind: string, id: string, entry: PlaceEntry): void {
    let fund = this.funds.get(fundId);
    if (fund === undefined) this.funds.set(fundId, (fund = { holder: new Map(), transit: new Map(), unallocated: undefined }));
    if (kind === 'holder') fund.holder.set(id, entry);
    else if (kind === 'transit') fund.transit.set(id, entry);
    else if (kind === 'unallocated') fund.unallocated = entry;
    else throw new Error(`invariant: a place of kind ${kind} holds no lots`);
  }

  /** Drops every place for which `drop` says so, and a fund left with none. */
  forget(drop: (entry: PlaceEntry) => boolean): void {
    for (const [fundId, fund] of this.funds) {
      for (const [id, entry] of fund.holder) if (drop(entry)) fund.holder.delete(id);
      for (const [id, entry] of fund.transit) if (drop(entry)) fund.transit.delete(id);
      if (fund.unallocated !== undefined && drop(fund.unallocated)) fund.unallocated = undefined;
      if (fund.holder.size === 0 && fund.transit.size === 0 && fund.unallocated === undefined) this.funds.delete(fundId);
    }
  }
}

function byAge(a: Lot, b: Lot): number {
  return a.age_from < b.age_from ? -1 : a.age_from > b.age_from ? 1 : a.id - b.id;
}

function insertSorted(lots: Lot[], lot: Lot): void {
  let index = lots.length;
  while (index > 0 && byAge(lots[index - 1], lot) > 0) index--;
  // most arrivals are the youngest money of their place
  if (index === lots.length) lots.push(lot);
  else lots.splice(index, 0, lot);
}

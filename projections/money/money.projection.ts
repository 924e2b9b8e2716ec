/**
 * The `money` projection: holders, funds, allocations and the flows/lots table that balances, dwell time,
 * execution and held-up are answered from. The fold is pure (money-fold.ts); this file only moves rows
 * between it and the tables.
 */
import type { ProjectionEvent } from '../../src/event-store/event-store.port';
import type { Projection, ProjectionWorker } from '../projection';
import type { ReadModel, Row, WriteBatch } from '../read-model';
import { ALLOCATION_TABLE, FLOW_TABLE, FUND_TABLE, HOLDER_TABLE } from '../tables';
import { type AllocationInfo, type HolderInfo, type Lot, MoneyFold, placeKey } from './money-fold';

export const moneyProjection: Projection = {
  name: 'money',
  description: { zh: '资金流向与余额、滞留、执行（FIFO 资金批次）', en: 'money flows: balances, dwell time, execution (FIFO lots)' },
  tables: [HOLDER_TABLE, FUND_TABLE, ALLOCATION_TABLE, FLOW_TABLE],
  // the events that register holders and move money (MoneyFold.apply); project events move none
  handles: ['HolderRegistered', 'FundAppropriated', 'AllocationIssued', 'TransferSent', 'TransferReceived', 'FundsReturned', 'PayoutMade', 'EventReversed'],
  async open(db, { fresh }) {
    const fold = new MoneyFold({ fresh });
    if (!fresh) {
      // what the fold keeps in memory besides lots is small and bounded by holders and allocations
      for (const row of await db.all<Row>('SELECT * FROM {pj_holder}')) {
        fold.holders.set(String(row.holder_id), {
          holderId: String(row.holder_id),
          name: String(row.name),
          ...(row.name_en ? { nameEn: String(row.name_en) } : {}),
          level: String(row.level),
          countyCode: (row.county_code as string | null) ?? null,
          countyName: (row.county_name as string | null) ?? null,
          registeredPosition: Number(row.registered_position),
        });
      }
      for (const row of await db.all<Row>('SELECT * FROM {pj_allocation}')) {
        fold.allocationsByEvent.set(String(row.event_id), {
          fundId: String(row.fund_id),
          allocationId: String(row.allocation_id),
          eventId: String(row.event_id),
          document: String(row.document),
          channel: String(row.channel),
          amountFen: Number(row.amount_fen),
          issuedOn: String(row.issued_on),
          issuedPosition: Number(row.issued_position),
          reversedOn: (row.reversed_on as string | null) ?? null,
          reversedPosition: row.reversed_position === null || row.reversed_position === undefined ? null : Number(row.reversed_position),
        });
      }
    }
    return new MoneyWorker(db, fold);
  },
};

/** What taking money from a lot changes in its row. */
const LOT_CHANGES = ['remaining_fen', 'last_out_on', 'closed_position'] as const;
const FLOW_KEY = ['fund_id', 'id'] as const;
/** Places loaded back by one query (3 parameters each). */
const PLACES_PER_QUERY = 300;

class MoneyWorker implements ProjectionWorker {
  constructor(
    private readonly db: ReadModel,
    readonly fold: MoneyFold,
  ) {}

  async prepare(events: readonly ProjectionEvent[]): Promise<void> {
    const places = this.fold.placesToLoad(events);
    // one query for the places of a page, not one each: on PostgreSQL every query is a round trip (a 1M rebuild
    // loads ~3,500 places back: 2.2 s one by one, measured)
    for (let start = 0; start < places.length; start += PLACES_PER_QUERY) {
      const chunk = places.slice(start, start + PLACES_PER_QUERY);
      // INDEXED BY: during a rebuild the tables have no statistics yet, and SQLite then preferred a scan of the
      // fund's whole range of the clustered key over the partial index of open lots (8% of a 1M rebuild in the profile)
      const rows = await this.db.all<Lot>(
        `SELECT * FROM {pj_flow}${this.db.kind === 'sqlite' ? ' INDEXED BY pj_flow_open' : ''} WHERE remaining_fen > 0 AND (fund_id, to_kind, to_id) IN (VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')})`,
        chunk.flatMap((place) => [place.fundId, place.kind, place.id]),
      );
      const lotsOf = new Map<string, Lot[]>(chunk.map((place) => [place.key, []]));
      for (const row of rows) lotsOf.get(placeKey(row.fund_id, row.to_kind, row.to_id))?.push(lotOf(row));
      for (const place of chunk) {
        const level = place.kind === 'holder' ? (this.fold.holders.get(place.id)?.level ?? null) : null;
        this.fold.loadPlace(place, lotsOf.get(place.key)!, level);
      }
    }
  }

  apply(event: ProjectionEvent): void {
    this.fold.apply(event);
  }

  flush(batch: WriteBatch): void {
    batch.upsert(HOLDER_TABLE, this.fold.dirtyHolders.map(holderRow));
    batch.upsert(
      FUND_TABLE,
      this.fold.dirtyFunds.map((fund) => ({
        fund_id: fund.fundId,
        name: fund.name,
        fiscal_year: fund.fiscalYear,
        budget_fen: fund.budgetFen,
        city_finance_holder_id: fund.cityFinanceHolderId,
        appropriated_on: fund.appropriatedOn,
        appropriated_position: fund.appropriatedPosition,
      })),
    );
    batch.upsert(ALLOCATION_TABLE, [...this.fold.dirtyAllocations].map(allocationRow));
    // Lots created in this batch are new rows (ids are position × 1000 + n, past the checkpoint): a plain INSERT,
    // the Lot object bound as it is. Older lots money was taken from change in three columns only: a narrow
    // UPDATE by primary key instead of rewriting 31 columns with INSERT … ON CONFLICT.
    // in key order (fund, id): the table is clustered by fund, so consecutive rows land on the same B-tree leaf
    batch.insert(FLOW_TABLE, [...this.fold.newLots].sort(byFlowKey));
    batch.update(FLOW_TABLE, LOT_CHANGES, FLOW_KEY, [...this.fold.takenLots]);
  }

  handedOver(): void {
    this.fold.handedOver();
  }
}

function byFlowKey(a: Lot, b: Lot): number {
  return a.fund_id < b.fund_id ? -1 : a.fund_id > b.fund_id ? 1 : a.id - b.id;
}

function holderRow(holder: HolderInfo): Row {
  return {
    holder_id: holder.holderId,
    name: holder.name,
    name_en: holder.nameEn ?? null,
    level: holder.level,
    county_code: holder.countyCode,
    county_name: holder.countyName,
    registered_position: holder.registeredPosition,
  };
}

function allocationRow(allocation: AllocationInfo): Row {
  return {
    fund_id: allocation.fundId,
    allocation_id: allocation.allocationId,
    event_id: allocation.eventId,
    document: allocation.document,
    channel: allocation.channel,
    amount_fen: allocation.amountFen,
    issued_on: allocation.issuedOn,
    issued_position: allocation.issuedPosition,
    reversed_on: allocation.reversedOn,
    reversed_position: allocation.reversedPosition,
  };
}

/** A flow row read back from either engine (pg gives BIGINT as strings). */
function lotOf(row: Lot): Lot {
  return {
    ...row,
    id: Number(row.id),
    position: Number(row.position),
    amount_fen: Number(row.amount_fen),
    remaining_fen: Number(row.remaining_fen),
    source_lot_id: row.source_lot_id === null ? null : Number(row.source_lot_id),
    dwell_days: row.dwell_days === null ? null : Number(row.dwell_days),
    closed_position: row.closed_position === null ? null : Number(row.closed_position),
  };
}

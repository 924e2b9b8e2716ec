/**
 * One account's FIFO lots as of a cut: `GET /api/funds/:fundId/holders/:holderId/lots?asOf=&atPosition=`.
 *
 * A lot is a `pj_flow` row that arrived at the holder (`to_kind = 'holder'`). Live, the lots held are those with
 * `remaining_fen > 0` (the partial index of open lots). As of a cut, they are the flows into the holder up to the
 * cut that were not used up by it (`closed_position`/`last_out_on`), minus what was taken from each up to the cut
 * (`source_lot_id`) — the same rule as the dwell and held-up queries (queries.ts `openLots`), for one holder and
 * every level (an enterprise's lots too). So the answer as of a cut equals the live answer of a read model rebuilt
 * from the events up to it (tests/dashboard/lots.int.spec.ts), and the lots' remaining sum to the holder's balance.
 *
 * Document numbers are not in the read model: they come from the fund's events (the transfer's TransferSent, the
 * allocation, the return, the payout), passed in by the caller; the allocation document a lot traces to is read
 * from `pj_allocation`.
 */
import { NotFoundException } from '@nestjs/common';
import type { Runtime } from '../src/app/runtime';
import { readFundStream } from '../src/audit/history';
import type { RecordedEvent } from '../src/event-store/event-store.port';
import { present } from '../src/shared/present';
import { cutOfRequest, fundNotFound } from './http';
import { type Lot, daysBetween } from './money/money-fold';
import { type Cut, FundNotFoundError, lotsHeldAt, requireFund } from './queries';
import type { ReadModel, Row } from './read-model';

/** At most this many lots are listed one by one (oldest first); the totals cover all of them. */
export const LOTS_MAX = 1_000;

export class HolderNotFoundError extends Error {
  constructor(readonly holderId: string) {
    super(`holder ${holderId} not found`);
    this.name = 'HolderNotFoundError';
  }
}

const SOURCE_KIND: Record<string, string> = {
  TransferReceived: 'transfer',
  AllocationIssued: 'allocation',
  FundsReturned: 'return',
  PayoutMade: 'payout',
  EventReversed: 'reversal',
};

type LotRow = Pick<Lot, 'id' | 'position' | 'occurred_at' | 'event_id' | 'event_type' | 'reversed_type' | 'from_kind' | 'from_id' | 'age_from' | 'allocation_id' | 'direction' | 'project_id' | 'amount_fen'> & { fen: number };

const COLUMNS = 'l.id, l.position, l.occurred_at, l.event_id, l.event_type, l.reversed_type, l.from_kind, l.from_id, l.age_from, l.allocation_id, l.direction, l.project_id, l.amount_fen';

/** The holder's lots with money in them at the cut: the dwell and held-up rule (queries.ts `lotsHeldAt`) for one holder. */
function heldLots(db: ReadModel, fundId: string, holderId: string, cut: Cut): Promise<LotRow[]> {
  return lotsHeldAt<LotRow>(db, fundId, cut, COLUMNS, { sql: " AND l.to_kind = 'holder' AND l.to_id = ?", params: [holderId] });
}

/** Documents of the fund's events: by event id, and a transfer's (on its TransferSent) by transfer id. */
function documentsOf(events: readonly RecordedEvent[]) {
  const byEvent = new Map<string, RecordedEvent>();
  const sentByTransfer = new Map<string, RecordedEvent>();
  for (const event of events) {
    byEvent.set(event.eventId, event);
    if (event.type === 'TransferSent') sentByTransfer.set(String((event.data as { transferId?: string }).transferId), event);
  }
  const documentOf = (event: RecordedEvent | undefined): string | null => {
    if (!event) return null;
    const data = event.data as { document?: string };
    const metadata = event.metadata as { document?: string };
    return data.document ?? metadata.document ?? null;
  };
  return { byEvent, sentByTransfer, documentOf };
}

export async function lotsQuery(db: ReadModel, fundId: string, holderId: string, cut: Cut = {}, events: readonly RecordedEvent[] = []) {
  await requireFund(db, fundId, cut);
  const [holder] = await db.all<Row>('SELECT holder_id, name, name_en, level, county_code, county_name FROM {pj_holder} WHERE holder_id = ?', [holderId]);
  if (!holder) throw new HolderNotFoundError(holderId);

  const today = cut.asOf ?? cut.today ?? new Date().toISOString().slice(0, 10);
  const rows = (await heldLots(db, fundId, holderId, cut))
    .map((row) => ({ ...row, id: Number(row.id), position: Number(row.position), amount_fen: Number(row.amount_fen) }))
    .sort((a, b) => a.age_from.localeCompare(b.age_from) || a.id - b.id);
  const allocations = new Map(
    (await db.all<Row>('SELECT allocation_id, document FROM {pj_allocation} WHERE fund_id = ?', [fundId])).map((row) => [String(row.allocation_id), String(row.document)]),
  );
  const names = new Map(
    (await db.all<Row>('SELECT holder_id, name FROM {pj_holder}')).map((row) => [String(row.holder_id), String(row.name)]),
  );
  const documents = documentsOf(events);
  const lots = rows.slice(0, LOTS_MAX).map((row) => {
    const event = documents.byEvent.get(row.event_id);
    const kind = SOURCE_KIND[row.event_type] ?? row.event_type;
    let reference: string | null = null;
    let document: string | null = null;
    let fromHolderId: string | null = row.from_kind === 'holder' ? row.from_id : null;
    const data = (event?.data ?? {}) as Record<string, unknown>;
    if (row.event_type === 'TransferReceived') {
      reference = row.from_kind === 'transit' ? row.from_id : String(data.transferId ?? '');
      const sent = documents.sentByTransfer.get(reference);
      document = documents.documentOf(sent);
      fromHolderId = sent ? String((sent.data as { fromHolderId?: string }).fromHolderId) : (data.fromHolderId as string | undefined) ?? null;
    } else if (row.event_type === 'AllocationIssued') {
      reference = row.allocation_id ?? (data.allocationId as string | undefined) ?? null;
      document = (reference && allocations.get(reference)) || documents.documentOf(event);
    } else if (row.event_type === 'FundsReturned') {
      reference = (data.returnId as string | undefined) ?? null;
      document = documents.documentOf(event);
    } else if (row.event_type === 'PayoutMade') {
      reference = (data.payoutId as string | undefined) ?? null;
      document = documents.documentOf(event);
    } else if (row.event_type === 'EventReversed') {
      reference = (data.reversalId as string | undefined) ?? null;
      document = documents.documentOf(event);
    }
    return {
      lotId: row.id,
      position: row.position,
      arrivedOn: row.occurred_at,
      ageFrom: row.age_from,
      ageDays: Math.max(0, daysBetween(row.age_from, today)),
      amountInFen: row.amount_fen,
      remainingFen: row.fen,
      source: {
        kind,
        eventType: row.event_type,
        reversedType: row.reversed_type,
        eventId: row.event_id,
        reference,
        document,
        fromHolderId,
        fromName: fromHolderId ? (names.get(fromHolderId) ?? fromHolderId) : null,
      },
      allocation: row.allocation_id ? { allocationId: row.allocation_id, document: allocations.get(row.allocation_id) ?? null } : null,
      direction: row.direction,
      projectId: row.project_id,
    };
  });
  return {
    fundId,
    holderId,
    name: String(holder.name),
    nameEn: holder.name_en === null ? null : String(holder.name_en),
    level: String(holder.level),
    countyCode: holder.county_code === null ? null : String(holder.county_code),
    countyName: holder.county_name === null ? null : String(holder.county_name),
    cut: { asOf: cut.asOf ?? null, atPosition: cut.atPosition ?? null },
    agesCountedTo: today,
    orderedBy: { en: 'oldest first (the date the lot’s clock starts; a reversal restores the age money had)', zh: '按批次起算日期从早到晚（冲正退回的资金保留原起算日期）' },
    method: {
      en: 'first in, first out: each receipt is a lot; money sent on leaves from the oldest lots first',
      zh: '先进先出：每笔到账为一个批次，拨出时先动用最早的批次',
    },
    heldFen: rows.reduce((sum, row) => sum + row.fen, 0),
    lotsCount: rows.length,
    lotsLimit: LOTS_MAX,
    lots,
  };
}

/** The route's answer: caught-up read model, the fund's events for document numbers, 404s in both languages. */
export async function answerLots(runtime: Runtime, fundId: string, holderId: string, query: { asOf?: string; atPosition?: number }): Promise<unknown> {
  const cut = cutOfRequest(query, runtime.clock);
  try {
    await runtime.projections.catchUp();
    const db = await runtime.projections.db();
    return present(await lotsQuery(db, fundId, holderId, cut, await readFundStream(runtime.store, fundId)));
  } catch (error) {
    if (error instanceof FundNotFoundError) throw fundNotFound(fundId);
    if (error instanceof HolderNotFoundError) {
      throw new NotFoundException({
        error: 'unknown-holder',
        message: `单位 ${holderId} 不存在 / holder ${holderId} not found`,
        message_zh: `单位 ${holderId} 不存在`,
        message_en: `holder ${holderId} not found`,
      });
    }
    throw error;
  }
}

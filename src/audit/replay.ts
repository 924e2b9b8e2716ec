/**
 * Replay (回放): a fund's history step by step, with the running balance of every place an event touches,
 * derived from `movementsOf` alone; the state of the fund as of a business date or a log position; and what
 * moved and what stayed between two dates. Pure: events and holders in, plain data out.
 */
import {
  type FundAppropriated,
  type Holder,
  type LedgerEvent,
  type Movement,
  type Place,
  RETURN_KIND_NAMES,
  formatWan,
  movementsOf,
  placeKey,
} from '../domain';
import type { RecordedEvent } from '../event-store/event-store.port';

export const EVENT_TYPE_NAMES: Record<string, { zh: string; en: string }> = {
  FundAppropriated: { zh: '预算设立', en: 'fund appropriated' },
  AllocationIssued: { zh: '指标下达', en: 'allocation issued' },
  TransferSent: { zh: '拨付（拨出）', en: 'transfer sent' },
  TransferReceived: { zh: '拨付到账', en: 'transfer received' },
  PayoutMade: { zh: '兑现至企业', en: 'payout to an enterprise' },
  FundsReturned: { zh: '退回/收回', en: 'funds returned' },
  EventReversed: { zh: '冲正', en: 'reversal' },
  ProjectRegistered: { zh: '项目登记', en: 'project registered' },
  ProjectProgressReported: { zh: '项目进度', en: 'project progress' },
  ProjectClosed: { zh: '项目结项', en: 'project closed' },
  ProjectCancelled: { zh: '项目撤销', en: 'project cancelled' },
};

export interface PlaceInfo {
  key: string;
  kind: Place['kind'];
  holderId?: string;
  transferId?: string;
  name: string;
  level?: string;
  countyCode?: string;
  countyName?: string;
}

export interface BalanceChange extends PlaceInfo {
  beforeFen: number;
  afterFen: number;
  deltaFen: number;
}

export interface ReplayStep {
  position: number;
  version: number;
  eventId: string;
  type: string;
  typeName: { zh: string; en: string };
  occurredAt: string;
  recordedAt: string;
  document?: string;
  actor: string;
  description: string;
  projectId?: string;
  movements: Array<{ from: string; to: string; amountFen: number }>;
  /** Every place the event touched, with its balance before and after. */
  balances: BalanceChange[];
  /** Set when a later event reversed this one (冲正). */
  reversedBy?: string;
}

export interface ReplayFilter {
  holderId?: string;
  countyCode?: string;
  projectId?: string;
  /** Business dates, inclusive. */
  from?: string;
  to?: string;
  /** Log positions, inclusive. */
  fromPosition?: number;
  toPosition?: number;
}

/** The running balances of one fund, place by place, fed one recorded event at a time. */
export class FundFold {
  readonly balances = new Map<string, number>();
  readonly places = new Map<string, PlaceInfo>();
  readonly transfers = new Map<string, { fromHolderId: string; toHolderId: string; amountFen: number; sentOn: string }>();
  fundId = '';
  name = '';
  fiscalYear = 0;
  budgetFen = 0;
  allocatedFen = 0;
  applied = 0;
  lastPosition = 0;
  private readonly allocationAmounts = new Map<string, number>();

  constructor(private readonly holders: ReadonlyMap<string, Holder>) {}

  placeOf(place: Place): PlaceInfo {
    const key = placeKey(place);
    let info = this.places.get(key);
    if (info) return info;
    if (place.kind === 'holder') {
      const holder = this.holders.get(place.holderId);
      info = { key, kind: 'holder', holderId: place.holderId, name: holder?.name ?? place.holderId, level: holder?.level, countyCode: holder?.county?.code, countyName: holder?.county?.name };
    } else if (place.kind === 'transit') {
      const transfer = this.transfers.get(place.transferId);
      const to = transfer ? this.holders.get(transfer.toHolderId) : undefined;
      info = { key, kind: 'transit', transferId: place.transferId, name: `在途 ${place.transferId}${to ? ` → ${to.name}` : ''}`, level: 'transit', countyCode: to?.county?.code, countyName: to?.county?.name };
    } else if (place.kind === 'unallocated') {
      info = { key, kind: 'unallocated', name: '未分配预算 unallocated', level: 'unallocated' };
    } else {
      info = { key, kind: 'outside', name: '预算来源 outside', level: 'outside' };
    }
    this.places.set(key, info);
    return info;
  }

  balanceOf(key: string): number {
    return this.balances.get(key) ?? 0;
  }

  /** Applies one event; returns the movements and the balance of every place touched, before and after. */
  apply(event: RecordedEvent): { movements: Movement[]; changes: BalanceChange[] } {
    const ledgerEvent = { type: event.type, data: event.data } as LedgerEvent;
    const data = event.data as Record<string, unknown>;
    switch (ledgerEvent.type) {
      case 'FundAppropriated': {
        const fund = data as FundAppropriated['data'];
        Object.assign(this, { fundId: fund.fundId, name: fund.name, fiscalYear: fund.fiscalYear, budgetFen: fund.budgetFen });
        break;
      }
      case 'AllocationIssued':
        this.allocatedFen += ledgerEvent.data.amountFen;
        this.allocationAmounts.set(event.eventId, ledgerEvent.data.amountFen);
        break;
      case 'TransferSent':
        this.transfers.set(ledgerEvent.data.transferId, {
          fromHolderId: ledgerEvent.data.fromHolderId,
          toHolderId: ledgerEvent.data.toHolderId,
          amountFen: ledgerEvent.data.amountFen,
          sentOn: event.metadata.occurredAt,
        });
        break;
      case 'EventReversed':
        if (ledgerEvent.data.reversedType === 'AllocationIssued') this.allocatedFen -= this.allocationAmounts.get(ledgerEvent.data.reversedEventId) ?? 0;
        break;
      default:
        break;
    }
    const movements = movementsOf(ledgerEvent);
    const before = new Map<string, number>();
    for (const movement of movements) {
      for (const place of [movement.from, movement.to]) {
        const info = this.placeOf(place);
        if (!before.has(info.key)) before.set(info.key, this.balanceOf(info.key));
      }
      const from = placeKey(movement.from);
      const to = placeKey(movement.to);
      this.balances.set(from, this.balanceOf(from) - movement.amountFen);
      this.balances.set(to, this.balanceOf(to) + movement.amountFen);
    }
    this.applied++;
    this.lastPosition = event.position;
    const changes = [...before.entries()]
      .filter(([key]) => key !== 'outside')
      .map(([key, beforeFen]) => {
        const afterFen = this.balanceOf(key);
        return { ...this.places.get(key)!, beforeFen, afterFen, deltaFen: afterFen - beforeFen };
      });
    return { movements, changes };
  }

  /** Money at enterprises (net of reversals and clawbacks): what reached final recipients. */
  atLevel(level: string): number {
    let total = 0;
    for (const [key, balance] of this.balances) if (this.places.get(key)?.level === level) total += balance;
    return total;
  }
}

/** Replays a fund: every event in order with its movements and running balances; the filter only chooses what is shown. */
export function replayFund(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>, filter: ReplayFilter = {}): { fundId: string; name: string; total: number; steps: ReplayStep[] } {
  const fold = new FundFold(holders);
  const reversedBy = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'EventReversed') reversedBy.set((event.data as { reversedEventId: string }).reversedEventId, event.eventId);
  }
  const steps: ReplayStep[] = [];
  for (const event of events) {
    const { movements, changes } = fold.apply(event);
    if (!matches(event, changes, fold, filter, holders)) continue;
    steps.push({
      position: event.position,
      version: event.version,
      eventId: event.eventId,
      type: event.type,
      typeName: EVENT_TYPE_NAMES[event.type] ?? { zh: event.type, en: event.type },
      occurredAt: event.metadata.occurredAt,
      recordedAt: event.metadata.recordedAt,
      document: event.metadata.document ?? ((event.data as { document?: string }).document || undefined),
      actor: `${event.metadata.actor.id}${event.metadata.actor.unit ? ` (${event.metadata.actor.unit})` : ''}`,
      description: describe(event, fold, holders),
      projectId: (event.data as { projectId?: string }).projectId,
      movements: movements.map((movement) => ({ from: fold.placeOf(movement.from).name, to: fold.placeOf(movement.to).name, amountFen: movement.amountFen })),
      balances: changes,
      ...(reversedBy.has(event.eventId) ? { reversedBy: reversedBy.get(event.eventId) } : {}),
    });
  }
  return { fundId: fold.fundId, name: fold.name, total: events.length, steps };
}

function matches(event: RecordedEvent, changes: BalanceChange[], fold: FundFold, filter: ReplayFilter, holders: ReadonlyMap<string, Holder>): boolean {
  const date = event.metadata.occurredAt;
  if (filter.from && date < filter.from) return false;
  if (filter.to && date > filter.to) return false;
  if (filter.fromPosition !== undefined && event.position < filter.fromPosition) return false;
  if (filter.toPosition !== undefined && event.position > filter.toPosition) return false;
  const data = event.data as Record<string, unknown>;
  const involved = involvedHolders(event, fold);
  if (filter.projectId && data.projectId !== filter.projectId) return false;
  if (filter.holderId && !involved.includes(filter.holderId)) return false;
  if (filter.countyCode) {
    const counties = new Set<string | undefined>([
      ...involved.map((holderId) => holders.get(holderId)?.county?.code),
      ...changes.map((change) => change.countyCode),
      data.countyCode as string | undefined,
      (data.county as { code?: string } | undefined)?.code,
    ]);
    if (!counties.has(filter.countyCode)) return false;
  }
  return true;
}

/** The holders an event concerns: those money leaves or reaches (a transfer's both ends), and a project's enterprise. */
export function involvedHolders(event: RecordedEvent, fold?: FundFold): string[] {
  const data = event.data as Record<string, unknown>;
  const ids = new Set<string>();
  for (const key of ['fromHolderId', 'toHolderId', 'enterpriseHolderId', 'cityFinanceHolderId', 'parkHolderId']) {
    if (typeof data[key] === 'string') ids.add(data[key] as string);
  }
  for (const movement of movementsOf({ type: event.type, data: event.data } as LedgerEvent)) {
    for (const place of [movement.from, movement.to]) {
      if (place.kind === 'holder') ids.add(place.holderId);
      if (place.kind === 'transit' && fold) {
        const transfer = fold.transfers.get(place.transferId);
        if (transfer) [transfer.fromHolderId, transfer.toHolderId].forEach((id) => ids.add(id));
      }
    }
  }
  if (event.type === 'FundAppropriated' || event.type === 'AllocationIssued') ids.delete('');
  return [...ids];
}

function describe(event: RecordedEvent, fold: FundFold, holders: ReadonlyMap<string, Holder>): string {
  const data = event.data as Record<string, any>;
  const name = (holderId: string) => holders.get(holderId)?.name ?? holderId;
  const wan = (fen: number) => `${formatWan(fen)}万元`;
  switch (event.type) {
    case 'FundAppropriated':
      return `设立 ${data.name}，预算 ${wan(data.budgetFen)}`;
    case 'AllocationIssued':
      return `${data.document} 下达 ${wan(data.amountFen)}（${data.direction}）`;
    case 'TransferSent':
      return `${name(data.fromHolderId)} → ${name(data.toHolderId)} 拨出 ${wan(data.amountFen)}（${data.transferId}，在途）`;
    case 'TransferReceived':
      return `${name(data.toHolderId)} 收到 ${name(data.fromHolderId)} 拨付 ${wan(data.amountFen)}（${data.transferId}）`;
    case 'PayoutMade':
      return `${name(data.fromHolderId)} → ${name(data.enterpriseHolderId)} 兑现 ${wan(data.amountFen)}（项目 ${data.projectId}，${data.direction}${data.batchId ? `，批次 ${data.batchId}` : ''}）`;
    case 'FundsReturned':
      return `${RETURN_KIND_NAMES[data.kind as keyof typeof RETURN_KIND_NAMES]?.zh ?? data.kind}：${data.kind === 'sweep' ? '未分配预算' : name(data.fromHolderId)} → ${name(data.toHolderId)} ${wan(data.amountFen)}（${data.reason}）`;
    case 'EventReversed':
      return `冲正 ${EVENT_TYPE_NAMES[data.reversedType]?.zh ?? data.reversedType} ${data.reversedEventId}：${data.reason}`;
    case 'ProjectRegistered':
      return `登记项目 ${data.projectId} ${data.name}（${name(data.enterpriseHolderId)}，${data.direction}，核定 ${wan(data.approvedFen)}）`;
    case 'ProjectProgressReported':
      return `项目 ${data.projectId} 进度 ${data.percent}%：${data.note}`;
    case 'ProjectClosed':
      return `项目 ${data.projectId} 结项：${data.note}`;
    case 'ProjectCancelled':
      return `项目 ${data.projectId} 撤销：${data.reason}`;
    default:
      void fold;
      return event.type;
  }
}

// ---------------------------------------------------------------------------------------------
// state as of a date or a position, and the difference between two dates

export interface AsOf {
  /** Business date, inclusive: events that happened on or before it. */
  date?: string;
  /** Log position, inclusive. */
  position?: number;
}

export interface HolderBalance {
  holderId: string;
  name: string;
  level?: string;
  countyCode?: string;
  countyName?: string;
  balanceFen: number;
}

export interface FundStateAsOf {
  fundId: string;
  name: string;
  fiscalYear: number;
  asOf: AsOf;
  eventsApplied: number;
  /** The position of the last event applied (0: none). */
  lastPosition: number;
  budgetFen: number;
  allocatedFen: number;
  unallocatedFen: number;
  inTransitFen: number;
  paidToEnterprisesFen: number;
  pooledFen: number;
  balances: HolderBalance[];
  inTransit: Array<{ transferId: string; fromHolderId: string; toHolderId: string; from: string; to: string; amountFen: number; sentOn: string }>;
  /** Conservation: every place adds up to the budget. */
  conserved: boolean;
}

export function isWithin(event: RecordedEvent, asOf: AsOf): boolean {
  if (asOf.date && event.metadata.occurredAt > asOf.date) return false;
  if (asOf.position !== undefined && event.position > asOf.position) return false;
  return true;
}

export function foldAsOf(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>, asOf: AsOf): FundFold {
  const fold = new FundFold(holders);
  for (const event of events) if (isWithin(event, asOf)) fold.apply(event);
  return fold;
}

export function stateAsOf(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>, asOf: AsOf = {}): FundStateAsOf {
  return presentFold(foldAsOf(events, holders, asOf), holders, asOf);
}

function presentFold(fold: FundFold, holders: ReadonlyMap<string, Holder>, asOf: AsOf): FundStateAsOf {
  const balances: HolderBalance[] = [];
  const inTransit: FundStateAsOf['inTransit'] = [];
  let total = 0;
  for (const [key, balanceFen] of fold.balances) {
    const place = fold.places.get(key)!;
    if (place.kind !== 'outside') total += balanceFen;
    if (balanceFen === 0) continue;
    if (place.kind === 'holder') {
      balances.push({ holderId: place.holderId!, name: place.name, level: place.level, countyCode: place.countyCode, countyName: place.countyName, balanceFen });
    } else if (place.kind === 'transit') {
      const transfer = fold.transfers.get(place.transferId!)!;
      inTransit.push({
        transferId: place.transferId!,
        fromHolderId: transfer.fromHolderId,
        toHolderId: transfer.toHolderId,
        from: holders.get(transfer.fromHolderId)?.name ?? transfer.fromHolderId,
        to: holders.get(transfer.toHolderId)?.name ?? transfer.toHolderId,
        amountFen: balanceFen,
        sentOn: transfer.sentOn,
      });
    }
  }
  balances.sort((a, b) => b.balanceFen - a.balanceFen || a.holderId.localeCompare(b.holderId));
  return {
    fundId: fold.fundId,
    name: fold.name,
    fiscalYear: fold.fiscalYear,
    asOf,
    eventsApplied: fold.applied,
    lastPosition: fold.lastPosition,
    budgetFen: fold.budgetFen,
    allocatedFen: fold.allocatedFen,
    unallocatedFen: fold.balanceOf('unallocated'),
    inTransitFen: inTransit.reduce((sum, transfer) => sum + transfer.amountFen, 0),
    paidToEnterprisesFen: fold.atLevel('enterprise'),
    pooledFen: fold.atLevel('pool'),
    balances,
    inTransit,
    conserved: total === fold.budgetFen,
  };
}

export interface PlaceDifference {
  key: string;
  name: string;
  level?: string;
  countyName?: string;
  beforeFen: number;
  inflowFen: number;
  outflowFen: number;
  afterFen: number;
  /** What sat there through the whole period: the opening balance less everything that left (never below zero). */
  stayedFen: number;
}

export interface FundDifference {
  fundId: string;
  name: string;
  from: string;
  to: string;
  before: Omit<FundStateAsOf, 'balances' | 'inTransit'>;
  after: Omit<FundStateAsOf, 'balances' | 'inTransit'>;
  places: PlaceDifference[];
  /** The events of the period (after `from`, up to and including `to`). */
  moved: ReplayStep[];
}

/** What changed between the end of `from` and the end of `to` (business dates): what moved and what stayed. */
export function differenceBetween(events: readonly RecordedEvent[], holders: ReadonlyMap<string, Holder>, from: string, to: string): FundDifference {
  if (from > to) [from, to] = [to, from];
  const fold = new FundFold(holders);
  const opening = new Map<string, number>();
  const inflow = new Map<string, number>();
  const outflow = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, fen: number) => map.set(key, (map.get(key) ?? 0) + fen);
  const early = events.filter((event) => event.metadata.occurredAt <= from);
  const window = events.filter((event) => event.metadata.occurredAt > from && event.metadata.occurredAt <= to);
  for (const event of early) fold.apply(event);
  const before = presentFold(fold, holders, { date: from });
  for (const [key, fen] of fold.balances) opening.set(key, fen);
  for (const event of window) {
    const { movements } = fold.apply(event);
    for (const movement of movements) {
      add(outflow, placeKey(movement.from), movement.amountFen);
      add(inflow, placeKey(movement.to), movement.amountFen);
    }
  }
  const after = presentFold(fold, holders, { date: to });
  const keys = new Set([...opening.keys(), ...fold.balances.keys()]);
  keys.delete('outside');
  const places: PlaceDifference[] = [...keys]
    .map((key) => {
      const place = fold.places.get(key)!;
      const beforeFen = opening.get(key) ?? 0;
      const outflowFen = outflow.get(key) ?? 0;
      return {
        key,
        name: place.name,
        level: place.level,
        countyName: place.countyName,
        beforeFen,
        inflowFen: inflow.get(key) ?? 0,
        outflowFen,
        afterFen: fold.balanceOf(key),
        stayedFen: Math.max(0, beforeFen - outflowFen),
      };
    })
    .filter((place) => place.beforeFen !== 0 || place.afterFen !== 0 || place.inflowFen !== 0)
    .sort((a, b) => b.stayedFen - a.stayedFen || b.afterFen - a.afterFen || a.key.localeCompare(b.key));
  const { balances: _b, inTransit: _t, ...beforeTotals } = before;
  const { balances: _c, inTransit: _u, ...afterTotals } = after;
  const moved = replayFund(events, holders, { from: nextDay(from), to }).steps;
  return { fundId: fold.fundId, name: fold.name, from, to, before: beforeTotals, after: afterTotals, places, moved };
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

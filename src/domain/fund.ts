/**
 * One fund as a decider: `initialFundState()`, `evolveFund(state, event)`, `decideFund(command, state, context)`.
 * The state is everything a decision needs: every balance of the fund, the transfers in transit,
 * the allocations, the projects and the reversible events.
 */
import type { FundCommand, PayoutItem } from './commands';
import type { Holder } from './holders';
import { formatYuan } from './money';
import { refuse } from './refusal';
import {
  type EventReversed,
  type FundEvent,
  type LedgerEventType,
  type Movement,
  type ReversibleEventType,
  type SupportCategory,
  REVERSIBLE_EVENT_TYPES,
  invert,
  movementsOf,
} from './events';

export type ProjectStatus = 'registered' | 'closed' | 'cancelled';

export interface ProjectState {
  projectId: string;
  name: string;
  enterpriseHolderId: string;
  countyCode: string;
  direction: string;
  category: SupportCategory;
  batch: number;
  approvedFen: number;
  paidFen: number;
  progressPercent: number;
  status: ProjectStatus;
}

export interface TransferState {
  transferId: string;
  fromHolderId: string;
  toHolderId: string;
  amountFen: number;
  sentOn: string;
  allocationId?: string;
  status: 'in-transit' | 'received' | 'reversed';
}

export interface AllocationState {
  allocationId: string;
  document: string;
  direction: string;
  amountFen: number;
  sentFen: number;
  reversed: boolean;
}

interface ReversibleEventState {
  type: ReversibleEventType;
  data: FundEvent['data'];
  reversed: boolean;
}

export interface FundState {
  fundId: string;
  exists: boolean;
  name: string;
  fiscalYear: number;
  budgetFen: number;
  appropriatedOn: string;
  cityFinanceHolderId: string;
  unallocatedFen: number;
  /** holderId → fen held within this fund */
  balances: Map<string, number>;
  allocations: Map<string, AllocationState>;
  transfers: Map<string, TransferState>;
  projects: Map<string, ProjectState>;
  /** Ids of payouts, returns and reversals, so that an id is never used twice. */
  usedIds: Set<string>;
  /** eventId → the reversible events and the reversals, for 冲正 */
  events: Map<string, ReversibleEventState | { type: 'EventReversed' }>;
  /** The version of the fund's stream this state has seen (-1: none). */
  version: number;
}

export function initialFundState(fundId: string): FundState {
  return {
    fundId,
    exists: false,
    name: '',
    fiscalYear: 0,
    budgetFen: 0,
    appropriatedOn: '',
    cityFinanceHolderId: '',
    unallocatedFen: 0,
    balances: new Map(),
    allocations: new Map(),
    transfers: new Map(),
    projects: new Map(),
    usedIds: new Set(),
    events: new Map(),
    version: -1,
  };
}

/** What a decision produces: the event and its business date and document, before the envelope. */
export interface Decided {
  event: FundEvent;
  occurredAt: string;
  document?: string;
}

export interface DecisionContext {
  holders: ReadonlyMap<string, Holder>;
}

export function balanceOf(state: FundState, holderId: string): number {
  return state.balances.get(holderId) ?? 0;
}

// ---------------------------------------------------------------------------------------------
// evolve

/** Applies one recorded event of the fund's stream to the state (mutating it: states are private to their owner). */
export function evolveFund(state: FundState, event: FundEvent, eventId: string, occurredAt: string, version: number): FundState {
  if (version !== state.version + 1) {
    throw new Error(`invariant: fund ${state.fundId} expected version ${state.version + 1}, got ${version}`);
  }
  state.version = version;
  applyMovements(state, movementsOf(event));
  switch (event.type) {
    case 'FundAppropriated':
      Object.assign(state, {
        exists: true,
        name: event.data.name,
        fiscalYear: event.data.fiscalYear,
        budgetFen: event.data.budgetFen,
        appropriatedOn: occurredAt,
        cityFinanceHolderId: event.data.cityFinanceHolderId,
      });
      break;
    case 'AllocationIssued':
      state.allocations.set(event.data.allocationId, {
        allocationId: event.data.allocationId,
        document: event.data.document,
        direction: event.data.direction,
        amountFen: event.data.amountFen,
        sentFen: 0,
        reversed: false,
      });
      break;
    case 'TransferSent': {
      state.transfers.set(event.data.transferId, {
        transferId: event.data.transferId,
        fromHolderId: event.data.fromHolderId,
        toHolderId: event.data.toHolderId,
        amountFen: event.data.amountFen,
        sentOn: occurredAt,
        allocationId: event.data.allocationId,
        status: 'in-transit',
      });
      const allocation = allocationDrawnBy(state, event.data);
      if (allocation) allocation.sentFen += event.data.amountFen;
      break;
    }
    case 'TransferReceived':
      state.transfers.get(event.data.transferId)!.status = 'received';
      break;
    case 'PayoutMade': {
      const project = state.projects.get(event.data.projectId)!;
      project.paidFen += event.data.amountFen;
      state.usedIds.add(event.data.payoutId);
      break;
    }
    case 'FundsReturned':
      state.usedIds.add(event.data.returnId);
      break;
    case 'EventReversed':
      evolveReversal(state, event);
      break;
    case 'ProjectRegistered':
      state.projects.set(event.data.projectId, {
        projectId: event.data.projectId,
        name: event.data.name,
        enterpriseHolderId: event.data.enterpriseHolderId,
        countyCode: event.data.county.code,
        direction: event.data.direction,
        category: event.data.category,
        batch: event.data.batch,
        approvedFen: event.data.approvedFen,
        paidFen: 0,
        progressPercent: 0,
        status: 'registered',
      });
      break;
    case 'ProjectProgressReported':
      state.projects.get(event.data.projectId)!.progressPercent = event.data.percent;
      break;
    case 'ProjectClosed':
      state.projects.get(event.data.projectId)!.status = 'closed';
      break;
    case 'ProjectCancelled':
      state.projects.get(event.data.projectId)!.status = 'cancelled';
      break;
    default:
      assertNever(event);
  }
  if ((REVERSIBLE_EVENT_TYPES as readonly string[]).includes(event.type)) {
    state.events.set(eventId, { type: event.type as ReversibleEventType, data: event.data, reversed: false });
  } else if (event.type === 'EventReversed') {
    state.events.set(eventId, { type: 'EventReversed' });
  }
  return state;
}

function evolveReversal(state: FundState, event: EventReversed): void {
  const target = state.events.get(event.data.reversedEventId);
  if (!target || target.type === 'EventReversed') {
    throw new Error(`invariant: reversal ${event.data.reversalId} names no reversible event`);
  }
  target.reversed = true;
  state.usedIds.add(event.data.reversalId);
  const data = target.data as Record<string, unknown>;
  switch (target.type) {
    case 'AllocationIssued':
      state.allocations.get(data.allocationId as string)!.reversed = true;
      break;
    case 'TransferSent': {
      const transfer = state.transfers.get(data.transferId as string)!;
      transfer.status = 'reversed';
      const allocation = allocationDrawnBy(state, transfer);
      if (allocation) allocation.sentFen -= transfer.amountFen;
      break;
    }
    case 'TransferReceived':
      state.transfers.get(data.transferId as string)!.status = 'in-transit';
      break;
    case 'PayoutMade':
      state.projects.get(data.projectId as string)!.paidFen -= data.amountFen as number;
      break;
    case 'FundsReturned':
      break;
  }
}

/**
 * An allocation's money sits at the city finance bureau until sent: only what leaves the city draws on it.
 * Transfers further down may name the allocation too (so that documents can be traced) without drawing again.
 */
function allocationDrawnBy(state: FundState, transfer: { fromHolderId: string; allocationId?: string }): AllocationState | undefined {
  if (!transfer.allocationId || transfer.fromHolderId !== state.cityFinanceHolderId) return undefined;
  return state.allocations.get(transfer.allocationId);
}

function applyMovements(state: FundState, movements: Movement[]): void {
  for (const movement of movements) {
    adjust(state, movement.from, -movement.amountFen);
    adjust(state, movement.to, movement.amountFen);
  }
}

function adjust(state: FundState, place: Movement['from'], delta_fen: number): void {
  if (place.kind === 'unallocated') {
    state.unallocatedFen += delta_fen;
    if (state.unallocatedFen < 0) throw new Error(`invariant: unallocated budget of fund ${state.fundId} below zero`);
  } else if (place.kind === 'holder') {
    const balance = (state.balances.get(place.holderId) ?? 0) + delta_fen;
    if (balance < 0) throw new Error(`invariant: balance of ${place.holderId} in fund ${state.fundId} below zero`);
    state.balances.set(place.holderId, balance);
  }
  // transit and outside are tracked through the transfers and the budget.
}

// ---------------------------------------------------------------------------------------------
// decide

export function decideFund(command: FundCommand, state: FundState, context: DecisionContext): Decided[] {
  if (command.kind === 'AppropriateFund') return decideAppropriate(command, state, context);
  if (!state.exists) refuse('unknown-fund', `专项资金 ${state.fundId} 不存在`, `fund ${state.fundId} does not exist`);
  if (command.occurredAt < state.appropriatedOn) {
    refuse(
      'date-before-fund',
      `业务日期 ${command.occurredAt} 早于资金设立日期 ${state.appropriatedOn}`,
      `business date ${command.occurredAt} is before the fund existed (${state.appropriatedOn})`,
    );
  }
  switch (command.kind) {
    case 'IssueAllocation':
      return decideAllocation(command, state);
    case 'SendTransfer':
      return decideSend(command, state, context);
    case 'ReceiveTransfer':
      return decideReceive(command, state);
    case 'MakePayouts':
      return decidePayouts(command, state, context);
    case 'ReturnFunds':
      return decideReturn(command, state, context);
    case 'ReverseEvent':
      return decideReversal(command, state);
    case 'RegisterProject':
      return decideRegisterProject(command, state, context);
    case 'ReportProgress':
    case 'CloseProject':
    case 'CancelProject':
      return decideProjectChange(command, state);
    default:
      return assertNever(command);
  }
}

type Of<K extends FundCommand['kind']> = Extract<FundCommand, { kind: K }>;

function decideAppropriate(command: Of<'AppropriateFund'>, state: FundState, context: DecisionContext): Decided[] {
  if (state.exists) refuse('duplicate-id', `专项资金 ${state.fundId} 已存在`, `fund ${state.fundId} already exists`);
  requireHolder(context, command.cityFinanceHolderId, ['city-finance']);
  return [
    {
      event: {
        type: 'FundAppropriated',
        data: {
          fundId: state.fundId,
          name: command.name,
          ...(command.nameEn ? { nameEn: command.nameEn } : {}),
          fiscalYear: command.fiscalYear,
          budgetFen: command.budgetFen,
          cityFinanceHolderId: command.cityFinanceHolderId,
        },
      },
      occurredAt: command.occurredAt,
      document: command.document,
    },
  ];
}

function decideAllocation(command: Of<'IssueAllocation'>, state: FundState): Decided[] {
  requireNewId(state, command.allocationId, state.allocations.has(command.allocationId));
  if (command.amountFen > state.unallocatedFen) {
    refuse(
      'beyond-unallocated',
      `下达金额 ${formatYuan(command.amountFen)} 元超过未分配预算 ${formatYuan(state.unallocatedFen)} 元`,
      `allocation of ${formatYuan(command.amountFen)} yuan exceeds the unallocated budget of ${formatYuan(state.unallocatedFen)} yuan`,
    );
  }
  return [
    {
      event: {
        type: 'AllocationIssued',
        data: {
          fundId: state.fundId,
          allocationId: command.allocationId,
          document: command.document,
          amountFen: command.amountFen,
          direction: command.direction,
          cityFinanceHolderId: state.cityFinanceHolderId,
        },
      },
      occurredAt: command.occurredAt,
      document: command.document,
    },
  ];
}

function decideSend(command: Of<'SendTransfer'>, state: FundState, context: DecisionContext): Decided[] {
  requireNewId(state, command.transferId, state.transfers.has(command.transferId));
  const from = requireHolder(context, command.fromHolderId);
  requireHolder(context, command.toHolderId, ['city-finance', 'county-finance', 'department', 'park', 'pool']);
  if (command.fromHolderId === command.toHolderId) {
    refuse('same-holder', '拨出单位与接收单位相同', 'a transfer needs two different holders');
  }
  if (from.level === 'enterprise') refuse('wrong-level', '企业不能向下拨付资金，请使用退回', 'an enterprise does not send money on; use a return');
  requireBalance(state, command.fromHolderId, command.amountFen, context);
  if (command.allocationId) {
    const allocation = state.allocations.get(command.allocationId);
    if (!allocation || allocation.reversed) {
      refuse('unknown-allocation', `指标 ${command.allocationId} 不存在或已冲正`, `allocation ${command.allocationId} does not exist or was reversed`);
    }
    if (command.fromHolderId === state.cityFinanceHolderId && command.amountFen > allocation.amountFen - allocation.sentFen) {
      refuse(
        'beyond-allocation',
        `拨付金额超过指标 ${allocation.document} 的剩余额度 ${formatYuan(allocation.amountFen - allocation.sentFen)} 元`,
        `transfer exceeds what remains of allocation ${allocation.document}: ${formatYuan(allocation.amountFen - allocation.sentFen)} yuan`,
      );
    }
  }
  if (command.projectId) requireProject(state, command.projectId);
  return [
    {
      event: {
        type: 'TransferSent',
        data: {
          fundId: state.fundId,
          transferId: command.transferId,
          fromHolderId: command.fromHolderId,
          toHolderId: command.toHolderId,
          amountFen: command.amountFen,
          ...optional({ document: command.document, projectId: command.projectId, allocationId: command.allocationId }),
        },
      },
      occurredAt: command.occurredAt,
      document: command.document,
    },
  ];
}

function decideReceive(command: Of<'ReceiveTransfer'>, state: FundState): Decided[] {
  const transfer = state.transfers.get(command.transferId);
  if (!transfer) refuse('unknown-transfer', `拨付 ${command.transferId} 不存在`, `transfer ${command.transferId} does not exist`);
  if (transfer.status === 'received') {
    refuse('already-received', `拨付 ${command.transferId} 已到账，不能重复接收`, `transfer ${command.transferId} was already received`);
  }
  if (transfer.status === 'reversed') {
    refuse('already-reversed', `拨付 ${command.transferId} 已冲正`, `transfer ${command.transferId} was reversed`);
  }
  if (command.occurredAt < transfer.sentOn) {
    refuse(
      'date-before-sent',
      `到账日期 ${command.occurredAt} 早于拨出日期 ${transfer.sentOn}`,
      `receipt date ${command.occurredAt} is before the transfer was sent (${transfer.sentOn})`,
    );
  }
  return [
    {
      event: {
        type: 'TransferReceived',
        data: {
          fundId: state.fundId,
          transferId: transfer.transferId,
          fromHolderId: transfer.fromHolderId,
          toHolderId: transfer.toHolderId,
          amountFen: transfer.amountFen,
        },
      },
      occurredAt: command.occurredAt,
    },
  ];
}

function decidePayouts(command: Of<'MakePayouts'>, state: FundState, context: DecisionContext): Decided[] {
  if (command.items.length === 0) refuse('empty-batch', '批量兑现至少需要一笔', 'a batch needs at least one payout');
  // all or nothing: each item is checked against what the items before it already took.
  const spent = new Map<string, number>();
  const paid = new Map<string, number>();
  const ids = new Set<string>();
  return command.items.map((item, index) => {
    try {
      return decidePayoutItem(item, state, context, spent, paid, ids, command);
    } catch (error) {
      if (command.items.length > 1 && error instanceof Error && 'reason_zh' in error) {
        const refusal = error as import('./refusal').LedgerRefusal;
        refuse(
          refusal.code,
          `批量兑现第 ${index + 1} 笔（${item.payoutId}）被拒绝，整批未执行：${refusal.reason_zh}`,
          `item ${index + 1} (${item.payoutId}) of the batch was refused, nothing was paid: ${refusal.reason_en}`,
          { ...refusal.details, item: index + 1 },
        );
      }
      throw error;
    }
  });
}

function decidePayoutItem(
  item: PayoutItem,
  state: FundState,
  context: DecisionContext,
  spent: Map<string, number>,
  paid: Map<string, number>,
  ids: Set<string>,
  command: Of<'MakePayouts'>,
): Decided {
  requireNewId(state, item.payoutId, ids.has(item.payoutId));
  ids.add(item.payoutId);
  const from = requireHolder(context, item.fromHolderId);
  if (from.level === 'enterprise') refuse('wrong-level', '企业不能兑现资金', 'an enterprise does not pay out');
  const project = requireProject(state, item.projectId);
  if (project.status !== 'registered') {
    refuse(
      'project-not-payable',
      `项目 ${project.name} 已${project.status === 'cancelled' ? '撤销' : '结项'}，不能兑现`,
      `project ${project.name} is ${project.status}, it cannot be paid`,
    );
  }
  const alreadyPaid = project.paidFen + (paid.get(project.projectId) ?? 0);
  if (alreadyPaid + item.amountFen > project.approvedFen) {
    refuse(
      'beyond-approved-amount',
      `兑现后项目累计 ${formatYuan(alreadyPaid + item.amountFen)} 元，超过核定金额 ${formatYuan(project.approvedFen)} 元`,
      `paying ${formatYuan(item.amountFen)} yuan would bring project ${project.projectId} to ${formatYuan(alreadyPaid + item.amountFen)} yuan, beyond its approved ${formatYuan(project.approvedFen)} yuan`,
    );
  }
  const taken = spent.get(item.fromHolderId) ?? 0;
  requireBalance(state, item.fromHolderId, item.amountFen + taken, context);
  spent.set(item.fromHolderId, taken + item.amountFen);
  paid.set(project.projectId, (paid.get(project.projectId) ?? 0) + item.amountFen);
  return {
    event: {
      type: 'PayoutMade',
      data: {
        fundId: state.fundId,
        payoutId: item.payoutId,
        fromHolderId: item.fromHolderId,
        enterpriseHolderId: project.enterpriseHolderId,
        projectId: project.projectId,
        direction: project.direction,
        countyCode: project.countyCode,
        amountFen: item.amountFen,
        ...optional({ document: item.document, batchId: command.batchId, allocationId: item.allocationId }),
      },
    },
    occurredAt: command.occurredAt,
    document: item.document,
  };
}

function decideReturn(command: Of<'ReturnFunds'>, state: FundState, context: DecisionContext): Decided[] {
  requireNewId(state, command.returnId, false);
  requireHolder(context, command.fromHolderId);
  const to = requireHolder(context, command.toHolderId);
  if (command.fromHolderId === command.toHolderId) refuse('same-holder', '退回单位与接收单位相同', 'a return needs two different holders');
  if (command.returnKind === 'sweep') {
    if (command.fromHolderId !== state.cityFinanceHolderId) {
      refuse('wrong-level', '结余收回统筹只能从本资金的市财政局未分配预算发起', 'a sweep takes the unallocated budget of the fund’s city finance bureau');
    }
    if (to.level !== 'pool') refuse('wrong-level', '结余资金只能收回到统筹', 'a sweep goes into the general pool');
    if (command.amountFen > state.unallocatedFen) {
      refuse(
        'beyond-unallocated',
        `收回金额 ${formatYuan(command.amountFen)} 元超过未分配预算 ${formatYuan(state.unallocatedFen)} 元`,
        `sweep of ${formatYuan(command.amountFen)} yuan exceeds the unallocated budget of ${formatYuan(state.unallocatedFen)} yuan`,
      );
    }
  } else {
    requireBalance(state, command.fromHolderId, command.amountFen, context);
  }
  return [
    {
      event: {
        type: 'FundsReturned',
        data: {
          fundId: state.fundId,
          returnId: command.returnId,
          fromHolderId: command.fromHolderId,
          toHolderId: command.toHolderId,
          amountFen: command.amountFen,
          kind: command.returnKind,
          reason: command.reason,
          ...optional({ document: command.document }),
        },
      },
      occurredAt: command.occurredAt,
      document: command.document,
    },
  ];
}

function decideReversal(command: Of<'ReverseEvent'>, state: FundState): Decided[] {
  requireNewId(state, command.reversalId, false);
  const target = state.events.get(command.eventId);
  if (!target) refuse('unknown-event', `事件 ${command.eventId} 不存在或不可冲正`, `event ${command.eventId} is not a money event of this fund`);
  if (target.type === 'EventReversed') refuse('reversal-of-reversal', '不能冲正一笔冲正', 'a reversal cannot be reversed');
  if (target.reversed) refuse('already-reversed', `事件 ${command.eventId} 已冲正`, `event ${command.eventId} was already reversed`);
  const data = target.data as Record<string, unknown>;
  if (target.type === 'TransferSent' && state.transfers.get(data.transferId as string)!.status === 'received') {
    refuse('not-reversible', '该拨付已到账，请先冲正到账', 'the transfer was received: reverse its receipt first');
  }
  if (target.type === 'AllocationIssued' && state.allocations.get(data.allocationId as string)!.sentFen > 0) {
    refuse('not-reversible', '该指标已有资金拨出，请先冲正相关拨付', 'money of this allocation was sent on: reverse those transfers first');
  }
  const movements = invert(movementsOf({ type: target.type, data } as FundEvent));
  // the reversal must not drive any place below zero
  const needed = new Map<string, number>();
  for (const movement of movements) {
    if (movement.from.kind !== 'holder') continue;
    const holderId = movement.from.holderId;
    needed.set(holderId, (needed.get(holderId) ?? 0) + movement.amountFen);
    if (needed.get(holderId)! > balanceOf(state, holderId)) {
      refuse(
        'insufficient-balance',
        `冲正需要从 ${holderId} 收回 ${formatYuan(needed.get(holderId)!)} 元，但其余额只有 ${formatYuan(balanceOf(state, holderId))} 元`,
        `the reversal takes ${formatYuan(needed.get(holderId)!)} yuan back from ${holderId}, which holds ${formatYuan(balanceOf(state, holderId))} yuan`,
      );
    }
  }
  return [
    {
      event: {
        type: 'EventReversed',
        data: {
          fundId: state.fundId,
          reversalId: command.reversalId,
          reversedEventId: command.eventId,
          reversedType: target.type,
          reason: command.reason,
          movements,
          ...optional({ projectId: target.type === 'PayoutMade' ? (data.projectId as string) : undefined }),
        },
      },
      occurredAt: command.occurredAt,
      document: command.document,
    },
  ];
}

function decideRegisterProject(command: Of<'RegisterProject'>, state: FundState, context: DecisionContext): Decided[] {
  requireNewId(state, command.projectId, state.projects.has(command.projectId));
  const enterprise = requireHolder(context, command.enterpriseHolderId, ['enterprise']);
  if (command.parkHolderId) requireHolder(context, command.parkHolderId, ['park']);
  const county = command.county ?? enterprise.county;
  if (!county) {
    refuse('unknown-holder', `企业 ${enterprise.name} 没有所属旗县区，请在项目中注明`, `enterprise ${enterprise.name} has no county: name it in the project`);
  }
  return [
    {
      event: {
        type: 'ProjectRegistered',
        data: {
          fundId: state.fundId,
          projectId: command.projectId,
          name: command.name,
          enterpriseHolderId: command.enterpriseHolderId,
          county,
          ...optional({ parkHolderId: command.parkHolderId }),
          direction: command.direction,
          batch: command.batch,
          category: command.category,
          approvedFen: command.approvedFen,
        },
      },
      occurredAt: command.occurredAt,
      document: command.document,
    },
  ];
}

function decideProjectChange(command: Of<'ReportProgress' | 'CloseProject' | 'CancelProject'>, state: FundState): Decided[] {
  const project = requireProject(state, command.projectId);
  if (project.status !== 'registered') {
    refuse(
      'project-closed',
      `项目 ${project.name} 已${project.status === 'cancelled' ? '撤销' : '结项'}`,
      `project ${project.name} is already ${project.status}`,
    );
  }
  const fundId = state.fundId;
  const event: FundEvent =
    command.kind === 'ReportProgress'
      ? { type: 'ProjectProgressReported', data: { fundId, projectId: project.projectId, percent: command.percent, note: command.note } }
      : command.kind === 'CloseProject'
        ? { type: 'ProjectClosed', data: { fundId, projectId: project.projectId, note: command.note } }
        : { type: 'ProjectCancelled', data: { fundId, projectId: project.projectId, reason: command.reason } };
  return [{ event, occurredAt: command.occurredAt }];
}

// ---------------------------------------------------------------------------------------------
// helpers

function requireHolder(context: DecisionContext, holderId: string, levels?: Holder['level'][]): Holder {
  const holder = context.holders.get(holderId);
  if (!holder) refuse('unknown-holder', `单位 ${holderId} 未登记`, `holder ${holderId} is not registered`, { holderId });
  if (levels && !levels.includes(holder.level)) {
    refuse('wrong-level', `单位 ${holder.name} 的层级（${holder.level}）不适用于此操作`, `holder ${holder.name} is a ${holder.level}, which cannot take part here`, {
      holderId,
      level: holder.level,
    });
  }
  return holder;
}

function requireProject(state: FundState, projectId: string): ProjectState {
  const project = state.projects.get(projectId);
  if (!project) refuse('unknown-project', `项目 ${projectId} 未在本资金登记`, `project ${projectId} is not registered in this fund`, { projectId });
  return project;
}

function requireBalance(state: FundState, holderId: string, amount_fen: number, context: DecisionContext): void {
  const balance = balanceOf(state, holderId);
  if (amount_fen > balance) {
    const name = context.holders.get(holderId)?.name ?? holderId;
    refuse(
      'insufficient-balance',
      `${name} 在本资金中只有 ${formatYuan(balance)} 元，不能拨出 ${formatYuan(amount_fen)} 元`,
      `${name} holds ${formatYuan(balance)} yuan of this fund and cannot send ${formatYuan(amount_fen)} yuan`,
      { holderId, balance: formatYuan(balance), requested: formatYuan(amount_fen) },
    );
  }
}

function requireNewId(state: FundState, id: string, takenElsewhere: boolean): void {
  if (takenElsewhere || state.usedIds.has(id)) refuse('duplicate-id', `编号 ${id} 已被使用`, `id ${id} is already used in this fund`, { id });
}

function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const result: Partial<T> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  return result;
}

export function assertNever(value: never): never {
  throw new Error(`invariant: unhandled ${JSON.stringify(value)}`);
}

/** Conservation: the money in every place of the fund adds up to its budget. Throws if not. */
export function assertConservation(state: FundState): void {
  if (!state.exists) return;
  let total = state.unallocatedFen;
  for (const balance of state.balances.values()) total += balance;
  for (const transfer of state.transfers.values()) if (transfer.status === 'in-transit') total += transfer.amountFen;
  if (total !== state.budgetFen) {
    throw new Error(`invariant: fund ${state.fundId} holds ${total} fen in all places but was appropriated ${state.budgetFen} fen`);
  }
}

export type { LedgerEventType };

/**
 * Deferral of payout (延期拨付). The evaluation: a unit that cannot pay on time must explain itself to the
 * city finance bureau and the city industry bureau and may defer only "with the consent of both".
 * So a deferral is requested with a reason and a new date, and is in force only once BOTH the city finance
 * bureau and the responsible department have approved it, in either order. In force, it pauses the alert
 * clock of the money it covers until the new date. A rejected deferral never pauses anything; a pending one
 * whose new date passes lapses; an in-force one ends on its new date and the clock runs again.
 * Stream `deferral-<deferralId>`.
 */
import { isBusinessDate } from '../../domain/dates';
import { AlertRefusal } from './refusal';

export const APPROVING_BODIES = ['city-finance', 'department'] as const;
export type ApprovingBody = (typeof APPROVING_BODIES)[number];
export const APPROVING_BODY_NAMES: Record<ApprovingBody, { zh: string; en: string }> = {
  'city-finance': { zh: '市财政局', en: 'city finance bureau' },
  department: { zh: '市主管部门（工信局）', en: 'responsible department (city industry bureau)' },
};

/** What the deferral covers: the money a holder holds in the fund, or one project's payout. */
export type DeferralTarget = { kind: 'holder'; holderId: string } | { kind: 'project'; projectId: string };

export interface DeferralRequested {
  type: 'DeferralRequested';
  data: { deferralId: string; fundId: string; target: DeferralTarget; reason: string; untilDate: string; requestedBy: string };
}
export interface DeferralApproved {
  type: 'DeferralApproved';
  data: { deferralId: string; fundId: string; body: ApprovingBody; approvedBy: string; note?: string };
}
export interface DeferralRejected {
  type: 'DeferralRejected';
  data: { deferralId: string; fundId: string; body: ApprovingBody; rejectedBy: string; reason: string };
}
export type DeferralEvent = DeferralRequested | DeferralApproved | DeferralRejected;

export const deferralStreamId = (deferralId: string): string => `deferral-${deferralId}`;

export type DeferralStatus = 'pending' | 'in-force' | 'rejected' | 'lapsed' | 'ended';

export interface DeferralState {
  deferralId: string;
  fundId: string;
  target: DeferralTarget;
  reason: string;
  requestedOn: string;
  requestedBy: string;
  untilDate: string;
  approvals: Partial<Record<ApprovingBody, { by: string; on: string; note?: string }>>;
  rejection?: { body: ApprovingBody; by: string; on: string; reason: string };
  /** The business date of the second approval. */
  inForceFrom?: string;
  version: number;
}

export function evolveDeferral(state: DeferralState | undefined, event: DeferralEvent, occurredAt: string): DeferralState {
  if (event.type === 'DeferralRequested') {
    if (state) throw new Error(`invariant: deferral ${event.data.deferralId} requested twice`);
    return {
      deferralId: event.data.deferralId,
      fundId: event.data.fundId,
      target: event.data.target,
      reason: event.data.reason,
      requestedOn: occurredAt,
      requestedBy: event.data.requestedBy,
      untilDate: event.data.untilDate,
      approvals: {},
      version: 0,
    };
  }
  if (!state) throw new Error(`invariant: deferral ${event.data.deferralId} decided before it was requested`);
  const next: DeferralState = { ...state, approvals: { ...state.approvals }, version: state.version + 1 };
  if (event.type === 'DeferralApproved') {
    next.approvals[event.data.body] = { by: event.data.approvedBy, on: occurredAt, ...(event.data.note ? { note: event.data.note } : {}) };
    if (APPROVING_BODIES.every((body) => next.approvals[body])) next.inForceFrom = occurredAt;
  } else {
    next.rejection = { body: event.data.body, by: event.data.rejectedBy, on: occurredAt, reason: event.data.reason };
  }
  return next;
}

/** The status on a business date. */
export function deferralStatus(state: DeferralState, date: string): DeferralStatus {
  if (state.rejection && state.rejection.on <= date) return 'rejected';
  if (state.inForceFrom && state.inForceFrom <= date) return date < state.untilDate ? 'in-force' : 'ended';
  return date < state.untilDate ? 'pending' : 'lapsed';
}

/** The days the deferral pauses the clock: [from, until), empty unless both approvals came before the new date. */
export function pauseOf(state: DeferralState): { from: string; until: string } | undefined {
  if (!state.inForceFrom || state.inForceFrom >= state.untilDate) return undefined;
  return { from: state.inForceFrom, until: state.untilDate };
}

export interface RequestDeferral {
  kind: 'RequestDeferral';
  deferralId: string;
  fundId: string;
  target: DeferralTarget;
  reason: string;
  untilDate: string;
  occurredAt: string;
  requestedBy: string;
}
export interface DecideDeferral {
  kind: 'ApproveDeferral' | 'RejectDeferral';
  deferralId: string;
  body: ApprovingBody;
  actorId: string;
  note: string;
  occurredAt: string;
}
export type DeferralCommand = RequestDeferral | DecideDeferral;

export function decideDeferral(command: DeferralCommand, state: DeferralState | undefined): DeferralEvent {
  if (command.kind === 'RequestDeferral') {
    if (state) throw new AlertRefusal('bad-deferral', `延期申请 ${command.deferralId} 已存在`, `deferral ${command.deferralId} already exists`);
    if (!command.reason.trim()) throw new AlertRefusal('bad-deferral', '延期申请必须说明理由', 'a deferral needs a reason');
    if (!isBusinessDate(command.untilDate) || command.untilDate <= command.occurredAt) {
      throw new AlertRefusal('bad-deferral', `延期至日期 ${command.untilDate} 必须晚于申请日期 ${command.occurredAt}`, `the new date ${command.untilDate} must be after the request date ${command.occurredAt}`);
    }
    return {
      type: 'DeferralRequested',
      data: { deferralId: command.deferralId, fundId: command.fundId, target: command.target, reason: command.reason.trim(), untilDate: command.untilDate, requestedBy: command.requestedBy },
    };
  }
  if (!state) throw new AlertRefusal('unknown-deferral', `延期申请 ${command.deferralId} 不存在`, `deferral ${command.deferralId} not found`);
  if (command.occurredAt < state.requestedOn) {
    throw new AlertRefusal('bad-deferral', `审批日期 ${command.occurredAt} 早于申请日期 ${state.requestedOn}`, `decision date ${command.occurredAt} is before the request (${state.requestedOn})`);
  }
  const status = deferralStatus(state, command.occurredAt);
  if (status !== 'pending') {
    throw new AlertRefusal('deferral-not-pending', `延期申请 ${state.deferralId} 状态为 ${STATUS_NAMES[status].zh}，不能再审批`, `deferral ${state.deferralId} is ${STATUS_NAMES[status].en}; it can no longer be decided`, { status });
  }
  if (state.approvals[command.body]) {
    throw new AlertRefusal('already-approved', `${APPROVING_BODY_NAMES[command.body].zh}已同意该延期申请`, `the ${APPROVING_BODY_NAMES[command.body].en} already approved this deferral`);
  }
  // "双方同意": two bodies means two people; the requester cannot consent to their own request either
  const other = APPROVING_BODIES.find((body) => body !== command.body)!;
  if (state.approvals[other]?.by === command.actorId || state.requestedBy === command.actorId) {
    throw new AlertRefusal('same-approver', '同一人不能既申请又审批，或代表双方审批', 'the same person cannot request and approve, nor approve for both bodies');
  }
  if (command.kind === 'ApproveDeferral') {
    return { type: 'DeferralApproved', data: { deferralId: state.deferralId, fundId: state.fundId, body: command.body, approvedBy: command.actorId, ...(command.note ? { note: command.note } : {}) } };
  }
  if (!command.note.trim()) throw new AlertRefusal('bad-deferral', '驳回必须说明理由', 'a rejection needs a reason');
  return { type: 'DeferralRejected', data: { deferralId: state.deferralId, fundId: state.fundId, body: command.body, rejectedBy: command.actorId, reason: command.note.trim() } };
}

export const STATUS_NAMES: Record<DeferralStatus, { zh: string; en: string }> = {
  pending: { zh: '待审批', en: 'pending' },
  'in-force': { zh: '生效中', en: 'in force' },
  rejected: { zh: '已驳回', en: 'rejected' },
  lapsed: { zh: '已失效（未获双方同意）', en: 'lapsed (not approved by both in time)' },
  ended: { zh: '已到期', en: 'ended' },
};

/**
 * An alert's life, as events of its own stream `alert-<alertId>`: raised (or escalated, for the escalation
 * threshold) exactly once — the first event is appended only if the stream does not exist — then acknowledged
 * by a named person with a note, and resolved on the day the money moved on.
 */
import type { AlertFinding } from './evaluate';
import { AlertRefusal } from './refusal';

export const alertStreamId = (alertId: string): string => `alert-${alertId}`;
export const ALERT_STREAM_PREFIX = 'alert-';

/** The finding as raised: what the supervisor is told. */
export type AlertFacts = Omit<AlertFinding, 'resolvedOn'> & {
  /** Raised already resolved (a first evaluation over history): recorded, never sent to anyone. */
  retrospective?: boolean;
};

export interface AlertRaised {
  type: 'AlertRaised';
  data: AlertFacts;
}
/** The escalation threshold (twice the limit by default): raised like any alert, naming the overdue alert it escalates. */
export interface AlertEscalated {
  type: 'AlertEscalated';
  data: AlertFacts;
}
export interface AlertAcknowledged {
  type: 'AlertAcknowledged';
  data: { alertId: string; fundId: string; by: string; role: string; note: string };
}
export interface AlertResolved {
  type: 'AlertResolved';
  data: { alertId: string; fundId: string; resolvedOn: string; reason: 'moved-on' | 'paid' };
}
export type AlertEvent = AlertRaised | AlertEscalated | AlertAcknowledged | AlertResolved;
export const ALERT_EVENT_TYPES: ReadonlySet<string> = new Set(['AlertRaised', 'AlertEscalated', 'AlertAcknowledged', 'AlertResolved']);

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface AlertState extends AlertFacts {
  status: AlertStatus;
  acknowledgements: Array<{ by: string; role: string; note: string; at: string }>;
  resolvedOn?: string;
  /** The store's global position of the raise: deliveries go to subscriptions older than it. */
  raisedPosition: number;
  raisedAt: string;
  version: number;
}

export function raiseEvent(finding: AlertFinding): AlertRaised | AlertEscalated {
  const { resolvedOn: _resolved, ...facts } = finding;
  return { type: finding.threshold === 'escalation' ? 'AlertEscalated' : 'AlertRaised', data: facts };
}

export function resolveEvent(finding: Pick<AlertFinding, 'alertId' | 'fundId' | 'kind'>, resolvedOn: string): AlertResolved {
  return { type: 'AlertResolved', data: { alertId: finding.alertId, fundId: finding.fundId, resolvedOn, reason: finding.kind === 'payout-wait' ? 'paid' : 'moved-on' } };
}

export function evolveAlert(state: AlertState | undefined, event: AlertEvent, meta: { position: number; recordedAt: string; version: number }): AlertState {
  if (event.type === 'AlertRaised' || event.type === 'AlertEscalated') {
    if (state) throw new Error(`invariant: alert ${event.data.alertId} raised twice`);
    return { ...event.data, status: 'open', acknowledgements: [], raisedPosition: meta.position, raisedAt: meta.recordedAt, version: meta.version };
  }
  if (!state) throw new Error(`invariant: ${event.type} of alert ${event.data.alertId} before it was raised`);
  if (meta.version !== state.version + 1) throw new Error(`invariant: alert ${state.alertId} expected version ${state.version + 1}, got ${meta.version}`);
  const next: AlertState = { ...state, acknowledgements: [...state.acknowledgements], version: meta.version };
  if (event.type === 'AlertAcknowledged') {
    next.acknowledgements.push({ by: event.data.by, role: event.data.role, note: event.data.note, at: meta.recordedAt });
    if (next.status === 'open') next.status = 'acknowledged';
  } else {
    next.status = 'resolved';
    next.resolvedOn = event.data.resolvedOn;
  }
  return next;
}

export function decideAcknowledge(state: AlertState | undefined, alertId: string, actor: { id: string; role: string }, note: string): AlertAcknowledged {
  if (!state) throw new AlertRefusal('unknown-alert', `预警 ${alertId} 不存在`, `alert ${alertId} not found`);
  if (!note.trim()) throw new AlertRefusal('bad-acknowledgement', '确认预警须填写处理说明', 'an acknowledgement needs a note');
  return { type: 'AlertAcknowledged', data: { alertId, fundId: state.fundId, by: actor.id, role: actor.role, note: note.trim() } };
}

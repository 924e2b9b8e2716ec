/**
 * Who is told, and how: supervisors subscribe (by fund, county, level, lowest severity) on one channel each.
 * Delivery follows the outbox pattern: for every raised alert and every matching subscription a
 * DeliveryScheduled event is recorded (stream `alert-delivery-<deliveryId>`, appended only if new) BEFORE
 * anything is sent; a dispatcher sends what is due and records the outcome. A receiver that is down is retried
 * with exponential back-off and, after the last attempt, the delivery goes to the dead-letter queue, from
 * which an operator can redeliver it.
 */
import { uuidFromName } from '../../shared/ids';
import type { AlertState } from './alert-lifecycle';
import { SEVERITY_RANK, type Severity } from './policy';
import { AlertRefusal } from './refusal';

export const CHANNEL_KINDS = ['webhook', 'wecom', 'dingtalk', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export type Channel =
  | { kind: 'webhook'; url: string; secret: string }
  /** 企业微信群机器人: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… */
  | { kind: 'wecom'; url: string }
  /** 钉钉群机器人: https://oapi.dingtalk.com/robot/send?access_token=…, optionally signed ("加签") with a secret SEC… */
  | { kind: 'dingtalk'; url: string; secret?: string }
  | { kind: 'email'; to: string };

export interface SubscriptionFilter {
  fundId?: string;
  countyCode?: string;
  level?: string;
  minSeverity?: Severity;
}

export interface SubscriptionCreated {
  type: 'SubscriptionCreated';
  data: { subscriptionId: string; supervisorId: string; supervisorName: string; filter: SubscriptionFilter; channel: Channel };
}
export interface SubscriptionRemoved {
  type: 'SubscriptionRemoved';
  data: { subscriptionId: string; removedBy: string };
}
export type SubscriptionEvent = SubscriptionCreated | SubscriptionRemoved;
export const subscriptionStreamId = (subscriptionId: string): string => `alert-subscription-${subscriptionId}`;

export interface SubscriptionState {
  subscriptionId: string;
  supervisorId: string;
  supervisorName: string;
  filter: SubscriptionFilter;
  channel: Channel;
  /** Alerts raised at or before this global position are older than the subscription: not delivered to it. */
  createdPosition: number;
  removed: boolean;
}

export function matches(filter: SubscriptionFilter, alert: Pick<AlertState, 'fundId' | 'countyCode' | 'level' | 'severity'>): boolean {
  if (filter.fundId && filter.fundId !== alert.fundId) return false;
  if (filter.countyCode && filter.countyCode !== alert.countyCode) return false;
  if (filter.level && filter.level !== alert.level) return false;
  if (filter.minSeverity && SEVERITY_RANK[alert.severity] < SEVERITY_RANK[filter.minSeverity]) return false;
  return true;
}

/** Where a channel delivers, without its secret: two subscriptions of one supervisor to the same place are one. */
export function channelAddress(channel: Channel): string {
  return channel.kind === 'email' ? `email:${channel.to.toLowerCase()}` : `${channel.kind}:${channel.url}`;
}

/** Once per alert, supervisor and channel. */
export const deliveryIdOf = (alertId: string, supervisorId: string, channel: Channel): string =>
  uuidFromName(`delivery:${alertId}:${supervisorId}:${channelAddress(channel)}`);

export const deliveryStreamId = (deliveryId: string): string => `alert-delivery-${deliveryId}`;

export interface DeliveryScheduled {
  type: 'DeliveryScheduled';
  data: { deliveryId: string; alertId: string; subscriptionId: string; supervisorId: string; channelKind: ChannelKind };
}
export interface DeliverySucceeded {
  type: 'DeliverySucceeded';
  data: { deliveryId: string; attempt: number; detail: string };
}
export interface DeliveryFailed {
  type: 'DeliveryFailed';
  data: { deliveryId: string; attempt: number; error: string; nextAttemptAt: string };
}
export interface DeliveryDeadLettered {
  type: 'DeliveryDeadLettered';
  data: { deliveryId: string; attempt: number; error: string };
}
export interface DeliveryRedeliveryRequested {
  type: 'DeliveryRedeliveryRequested';
  data: { deliveryId: string; requestedBy: string };
}
export type DeliveryEvent = DeliveryScheduled | DeliverySucceeded | DeliveryFailed | DeliveryDeadLettered | DeliveryRedeliveryRequested;
export const DELIVERY_EVENT_TYPES: ReadonlySet<string> = new Set(['DeliveryScheduled', 'DeliverySucceeded', 'DeliveryFailed', 'DeliveryDeadLettered', 'DeliveryRedeliveryRequested']);

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryState {
  deliveryId: string;
  alertId: string;
  subscriptionId: string;
  supervisorId: string;
  channelKind: ChannelKind;
  status: DeliveryStatus;
  /** Attempts since it was scheduled or last redelivered. */
  attempts: number;
  attemptsTotal: number;
  /** ISO instant when it is due; pending only. */
  dueAt: string;
  lastError?: string;
  history: Array<{ at: string; type: string; attempt?: number; error?: string; detail?: string }>;
  version: number;
}

export interface RetryPolicy {
  /** The first retry waits this long; each next one twice as long. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** After this many failed attempts the delivery is dead-lettered. */
  attemptsMax: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { backoffBaseMs: 30_000, backoffMaxMs: 3_600_000, attemptsMax: 8 };

/** Wait after the n-th failed attempt (1-based): base × 2^(n−1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.backoffBaseMs * 2 ** (attempt - 1), policy.backoffMaxMs);
}

/** What the outcome of one attempt is recorded as. */
export function decideAttemptOutcome(state: DeliveryState, outcome: { ok: true; detail: string } | { ok: false; error: string }, now: Date, policy: RetryPolicy): DeliveryEvent {
  const attempt = state.attempts + 1;
  if (outcome.ok) return { type: 'DeliverySucceeded', data: { deliveryId: state.deliveryId, attempt, detail: outcome.detail.slice(0, 500) } };
  const error = outcome.error.slice(0, 500);
  if (attempt >= policy.attemptsMax) return { type: 'DeliveryDeadLettered', data: { deliveryId: state.deliveryId, attempt, error } };
  return { type: 'DeliveryFailed', data: { deliveryId: state.deliveryId, attempt, error, nextAttemptAt: new Date(now.getTime() + backoffMs(attempt, policy)).toISOString() } };
}

export function decideRedelivery(state: DeliveryState | undefined, deliveryId: string, requestedBy: string): DeliveryRedeliveryRequested {
  if (!state) throw new AlertRefusal('unknown-delivery', `投递 ${deliveryId} 不存在`, `delivery ${deliveryId} not found`);
  if (state.status === 'pending') throw new AlertRefusal('not-redeliverable', `投递 ${deliveryId} 仍在发送队列中`, `delivery ${deliveryId} is still queued`);
  return { type: 'DeliveryRedeliveryRequested', data: { deliveryId, requestedBy } };
}

export function evolveDelivery(state: DeliveryState | undefined, event: DeliveryEvent, meta: { recordedAt: string; version: number }): DeliveryState {
  if (event.type === 'DeliveryScheduled') {
    if (state) throw new Error(`invariant: delivery ${event.data.deliveryId} scheduled twice`);
    return { ...event.data, status: 'pending', attempts: 0, attemptsTotal: 0, dueAt: meta.recordedAt, history: [{ at: meta.recordedAt, type: event.type }], version: meta.version };
  }
  if (!state) throw new Error(`invariant: ${event.type} of delivery ${event.data.deliveryId} before it was scheduled`);
  const next: DeliveryState = { ...state, history: [...state.history], version: meta.version };
  switch (event.type) {
    case 'DeliverySucceeded':
      Object.assign(next, { status: 'delivered', attempts: event.data.attempt, attemptsTotal: state.attemptsTotal + 1 });
      next.history.push({ at: meta.recordedAt, type: event.type, attempt: event.data.attempt, detail: event.data.detail });
      break;
    case 'DeliveryFailed':
      Object.assign(next, { attempts: event.data.attempt, attemptsTotal: state.attemptsTotal + 1, dueAt: event.data.nextAttemptAt, lastError: event.data.error });
      next.history.push({ at: meta.recordedAt, type: event.type, attempt: event.data.attempt, error: event.data.error });
      break;
    case 'DeliveryDeadLettered':
      Object.assign(next, { status: 'dead', attempts: event.data.attempt, attemptsTotal: state.attemptsTotal + 1, lastError: event.data.error });
      next.history.push({ at: meta.recordedAt, type: event.type, attempt: event.data.attempt, error: event.data.error });
      break;
    case 'DeliveryRedeliveryRequested':
      Object.assign(next, { status: 'pending', attempts: 0, dueAt: meta.recordedAt });
      next.history.push({ at: meta.recordedAt, type: event.type });
      break;
  }
  return next;
}

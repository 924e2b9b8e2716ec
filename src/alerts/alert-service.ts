/**
 * The alert feature's application service, framework-free (the HTTP API, the CLI, the engine and the tests
 * share it). It keeps one in-memory view of everything it needs, followed from the log in global order
 * (`catchUp`), and writes only through the event store with expected versions:
 * - raising an alert appends the first event of `alert-<id>` with `no-stream`: one alert per subject and
 *   threshold, however many evaluations run, in one process or several, before or after a restart;
 * - scheduling a delivery appends the first event of `alert-delivery-<id>` with `no-stream` (the outbox);
 * - everything else appends at the version it decided on, and re-decides on a conflict.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as turnOfTheEventLoop } from 'node:timers/promises';
import { Subject } from 'rxjs';
import { type Holder, type HolderRegistered, fundIdOfStream, isBusinessDate, todayUtc } from '../domain';
import { type Actor, type EventStore, type NewEvent, type RecordedEvent, WrongExpectedVersionError } from '../event-store/event-store.port';
import { KeyedLock } from '../shared/keyed-lock';
import { type AlertSender } from './channels';
import {
  ALERT_EVENT_TYPES,
  APPROVING_BODY_NAMES,
  type AlertEvent,
  type AlertFinding,
  type AlertPolicy,
  type AlertPolicySet,
  AlertRefusal,
  type AlertState,
  type ApprovingBody,
  type Channel,
  DEFAULT_RETRY_POLICY,
  DELIVERY_EVENT_TYPES,
  type DeferralCommand,
  type DeferralEvent,
  type DeferralState,
  type DeliveryEvent,
  type DeliveryState,
  type FundEventInput,
  type RetryPolicy,
  type SetAlertPolicy,
  type SubscriptionEvent,
  type SubscriptionFilter,
  type SubscriptionState,
  alertStreamId,
  decideAcknowledge,
  decideAttemptOutcome,
  decideDeferral,
  decideRedelivery,
  decideSetPolicy,
  deferralStatus,
  deferralStreamId,
  deliveryIdOf,
  deliveryStreamId,
  evaluateAlerts,
  evolveAlert,
  evolveDeferral,
  evolveDelivery,
  matches,
  policyOn,
  policyStreamId,
  raiseEvent,
  resolveEvent,
  subscriptionStreamId,
} from './domain';

export const ALERTS_SCHEMA_VERSION = 1;
const CATCH_UP_BATCH = 5_000;
/** The most deliveries one dispatch sends: a bound on one tick's work; the rest wait for the next. */
export const DISPATCH_BATCH_MAX = 200;
const DEFERRAL_EVENT_TYPES: ReadonlySet<string> = new Set(['DeferralRequested', 'DeferralApproved', 'DeferralRejected']);
const SUBSCRIPTION_EVENT_TYPES: ReadonlySet<string> = new Set(['SubscriptionCreated', 'SubscriptionRemoved']);
const SYSTEM_ACTOR: Actor = { id: 'alert-engine', role: 'system' };

export interface AlertChange {
  type: AlertEvent['type'];
  alert: AlertState;
}

export interface AlertFilter {
  fundId?: string;
  countyCode?: string;
  level?: string;
  severity?: string;
  status?: string;
  limit?: number;
  /** The caller's scope (applied before the limit). */
  visible?: (alert: AlertState) => boolean;
}

export interface AlertServiceOptions {
  sender: AlertSender;
  retry?: RetryPolicy;
}

export class AlertService {
  readonly holders = new Map<string, Holder>();
  readonly fundEvents = new Map<string, FundEventInput[]>();
  readonly policies = new Map<string, AlertPolicy[]>();
  readonly deferrals = new Map<string, DeferralState>();
  readonly alerts = new Map<string, AlertState>();
  readonly subscriptions = new Map<string, SubscriptionState>();
  readonly deliveries = new Map<string, DeliveryState>();
  /** Every change to an alert seen after the first catch-up (the dashboard's live stream). */
  readonly changes = new Subject<AlertChange>();
  /** Funds whose events, policy or deferrals changed since they were last evaluated. */
  private readonly dirtyFunds = new Set<string>();
  private position = 0;
  private caughtUpOnce = false;
  private readonly lock = new KeyedLock();
  private readonly retry: RetryPolicy;

  constructor(
    readonly store: EventStore,
    private readonly clock: () => Date,
    private readonly options: AlertServiceOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  today(): string {
    return todayUtc(this.clock());
  }

  // ---------------------------------------------------------------------------------------------
  // following the log

  catchUp(): Promise<void> {
    return this.lock.run('catch-up', async () => {
      for (;;) {
        const batch = await this.store.readAll({ after: this.position, limit: CATCH_UP_BATCH });
        for (const event of batch) {
          this.apply(event);
          this.position = event.position;
        }
        if (batch.length < CATCH_UP_BATCH) break;
      }
      this.caughtUpOnce = true;
    });
  }

  private apply(event: RecordedEvent): void {
    const fundId = fundIdOfStream(event.streamId);
    if (fundId) {
      let events = this.fundEvents.get(fundId);
      if (!events) this.fundEvents.set(fundId, (events = []));
      events.push({ eventId: event.eventId, type: event.type, data: event.data, occurredAt: event.metadata.occurredAt });
      this.dirtyFunds.add(fundId);
      return;
    }
    if (event.type === 'HolderRegistered') {
      const holder = (event.data as HolderRegistered['data']);
      this.holders.set(holder.holderId, { ...holder });
    } else if (event.type === 'AlertPolicySet') {
      const policy = (event.data as AlertPolicySet['data']);
      this.policies.set(policy.fundId, [...(this.policies.get(policy.fundId) ?? []), policy]);
      this.dirtyFunds.add(policy.fundId);
    } else if (DEFERRAL_EVENT_TYPES.has(event.type)) {
      const data = event.data as DeferralEvent['data'];
      this.deferrals.set(data.deferralId, evolveDeferral(this.deferrals.get(data.deferralId), event as unknown as DeferralEvent, event.metadata.occurredAt));
      this.dirtyFunds.add(data.fundId);
    } else if (ALERT_EVENT_TYPES.has(event.type)) {
      const alertEvent = { type: event.type, data: event.data } as AlertEvent;
      const alert = evolveAlert(this.alerts.get(alertEvent.data.alertId), alertEvent, { position: event.position, recordedAt: event.metadata.recordedAt, version: event.version });
      this.alerts.set(alert.alertId, alert);
      // a retrospective alert (raised already resolved, over history) is not news for the live stream
      if (this.caughtUpOnce && !alert.retrospective) this.changes.next({ type: alertEvent.type, alert });
    } else if (SUBSCRIPTION_EVENT_TYPES.has(event.type)) {
      const subscriptionEvent = { type: event.type, data: event.data } as SubscriptionEvent;
      if (subscriptionEvent.type === 'SubscriptionCreated') {
        this.subscriptions.set(subscriptionEvent.data.subscriptionId, { ...subscriptionEvent.data, createdPosition: event.position, removed: false });
      } else {
        const subscription = this.subscriptions.get(subscriptionEvent.data.subscriptionId);
        if (subscription) subscription.removed = true;
      }
    } else if (DELIVERY_EVENT_TYPES.has(event.type)) {
      const deliveryEvent = { type: event.type, data: event.data } as DeliveryEvent;
      const id = deliveryEvent.data.deliveryId;
      this.deliveries.set(id, evolveDelivery(this.deliveries.get(id), deliveryEvent, { recordedAt: event.metadata.recordedAt, version: event.version }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // evaluation

  /** The pure evaluation over what this service has seen: the alerts a fund would have raised by `asOf`. */
  findings(fundId: string, asOf: string): AlertFinding[] {
    return evaluateAlerts({
      fundId,
      events: this.fundEvents.get(fundId) ?? [],
      holders: this.holders,
      policies: this.policies.get(fundId) ?? [],
      deferrals: this.deferralsAsOf(fundId, asOf),
      asOf,
    });
  }

  /** Deferral states as they stood at the end of `asOf` (decisions recorded later are not known yet). */
  private deferralsAsOf(fundId: string, asOf: string): DeferralState[] {
    const result: DeferralState[] = [];
    for (const deferral of this.deferrals.values()) {
      if (deferral.fundId !== fundId || deferral.requestedOn > asOf) continue;
      const approvals = Object.fromEntries(Object.entries(deferral.approvals).filter(([, approval]) => approval!.on <= asOf));
      const inForce = Object.keys(approvals).length === 2 ? deferral.inForceFrom : undefined;
      const rejection = deferral.rejection && deferral.rejection.on <= asOf ? deferral.rejection : undefined;
      result.push({ ...deferral, approvals, ...(inForce ? { inForceFrom: inForce } : { inForceFrom: undefined }), ...(rejection ? { rejection } : { rejection: undefined }) });
    }
    return result;
  }

  /**
   * Evaluates funds as of today and records what is new: raised alerts, and resolutions of open ones. `stopped`
   * is asked before each fund (the engine stopping in the middle of a long first pass).
   */
  async evaluate(options: { fundIds?: string[]; all?: boolean; stopped?: () => boolean } = {}): Promise<{ raised: number; resolved: number }> {
    await this.catchUp();
    const asOf = this.today();
    const fundIds = options.fundIds ?? (options.all ? [...this.fundEvents.keys()] : [...this.dirtyFunds]);
    let raised = 0;
    let resolved = 0;
    for (const [index, fundId] of fundIds.entries()) {
      // a fund's evaluation and appends never wait on a SQLite store: requests and timers get their turn between funds
      if (index > 0) await turnOfTheEventLoop();
      if (options.stopped?.()) break; // the funds not reached stay dirty
      this.dirtyFunds.delete(fundId);
      for (const finding of this.findings(fundId, asOf)) {
        const existing = this.alerts.get(finding.alertId);
        if (!existing) {
          const raise = raiseEvent(finding);
          // raised already resolved: the money moved on before anyone evaluated (a first run over history)
          if (finding.resolvedOn) raise.data.retrospective = true;
          const events: AlertEvent[] = finding.resolvedOn ? [raise, resolveEvent(finding, finding.resolvedOn)] : [raise];
          if (await this.appendNew(alertStreamId(finding.alertId), events, finding.crossedOn)) raised++;
        } else if (finding.resolvedOn && existing.status !== 'resolved') {
          if (await this.appendAt(alertStreamId(finding.alertId), [resolveEvent(finding, finding.resolvedOn)], existing.version, finding.resolvedOn)) resolved++;
        }
      }
    }
    if (raised + resolved > 0) await this.catchUp();
    return { raised, resolved };
  }

  // ---------------------------------------------------------------------------------------------
  // the outbox

  /** Records a delivery for every alert × matching subscription that has none yet. */
  async scheduleDeliveries(): Promise<number> {
    await this.catchUp();
    let scheduled = 0;
    const subscriptions = [...this.subscriptions.values()].filter((subscription) => !subscription.removed);
    for (const alert of this.alerts.values()) {
      if (alert.retrospective) continue;
      for (const subscription of subscriptions) {
        if (subscription.createdPosition >= alert.raisedPosition || !matches(subscription.filter, alert)) continue;
        const deliveryId = deliveryIdOf(alert.alertId, subscription.supervisorId, subscription.channel);
        if (this.deliveries.has(deliveryId)) continue;
        const event: DeliveryEvent = {
          type: 'DeliveryScheduled',
          data: { deliveryId, alertId: alert.alertId, subscriptionId: subscription.subscriptionId, supervisorId: subscription.supervisorId, channelKind: subscription.channel.kind },
        };
        if (await this.appendNew(deliveryStreamId(deliveryId), [event], this.today())) scheduled++;
      }
    }
    if (scheduled > 0) await this.catchUp();
    return scheduled;
  }

  /**
   * Sends every delivery that is due, one attempt each, and records the outcome. `stillHeld` (the engine's
   * dispatcher lease) is asked before each send: once it answers false, this pass sends nothing more.
   */
  async dispatchDue(options: { stillHeld?: () => Promise<boolean> } = {}): Promise<{ delivered: number; failed: number; dead: number }> {
    await this.catchUp();
    const now = this.clock();
    const due = [...this.deliveries.values()]
      .filter((delivery) => delivery.status === 'pending' && delivery.dueAt <= now.toISOString())
      .sort((a, b) => (a.dueAt < b.dueAt ? -1 : 1))
      .slice(0, DISPATCH_BATCH_MAX);
    const counts = { delivered: 0, failed: 0, dead: 0 };
    for (const delivery of due) {
      if (options.stillHeld && !(await options.stillHeld())) break;
      const alert = this.alerts.get(delivery.alertId);
      const subscription = this.subscriptions.get(delivery.subscriptionId);
      if (!alert) throw new Error(`invariant: delivery ${delivery.deliveryId} of unknown alert ${delivery.alertId}`);
      const outcome = subscription && !subscription.removed
        ? await this.options.sender.send(subscription.channel, { deliveryId: delivery.deliveryId, alert, now })
        : ({ ok: false, error: 'subscription removed' } as const);
      const event = decideAttemptOutcome(delivery, outcome, now, subscription && !subscription.removed ? this.retry : { ...this.retry, attemptsMax: 1 });
      // at the version seen before sending: if another dispatcher recorded an outcome meanwhile, ours is dropped
      if (await this.appendAt(deliveryStreamId(delivery.deliveryId), [event], delivery.version, this.today())) {
        if (event.type === 'DeliverySucceeded') counts.delivered++;
        else if (event.type === 'DeliveryFailed') counts.failed++;
        else counts.dead++;
      }
    }
    if (due.length > 0) await this.catchUp();
    return counts;
  }

  async redeliver(deliveryId: string, actor: Actor): Promise<DeliveryState> {
    await this.catchUp();
    const state = this.deliveries.get(deliveryId);
    const event = decideRedelivery(state, deliveryId, actor.id);
    await this.appendAt(deliveryStreamId(deliveryId), [event], state!.version, this.today(), actor, true);
    await this.catchUp();
    return this.deliveries.get(deliveryId)!;
  }

  // ---------------------------------------------------------------------------------------------
  // commands

  async acknowledge(alertId: string, actor: Actor, note: string): Promise<AlertState> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      await this.catchUp();
      const state = this.alerts.get(alertId);
      const event = decideAcknowledge(state, alertId, actor, note);
      if (await this.appendAt(alertStreamId(alertId), [event], state!.version, this.today(), actor)) {
        await this.catchUp();
        return this.alerts.get(alertId)!;
      }
    }
    throw new AlertRefusal('deferral-not-pending', `预警 ${alertId} 正被并发修改，请重试`, `alert ${alertId} kept changing; try again`);
  }

  async setPolicy(fundId: string, command: SetAlertPolicy, actor: Actor): Promise<AlertPolicy> {
    await this.catchUp();
    if (!this.fundEvents.has(fundId)) throw new AlertRefusal('bad-policy', `专项资金 ${fundId} 不存在`, `fund ${fundId} not found`);
    if (!isBusinessDate(command.effectiveFrom)) throw new AlertRefusal('bad-policy', `生效日期无效：${command.effectiveFrom}`, `effectiveFrom is not a date: ${command.effectiveFrom}`);
    const versions = this.policies.get(fundId) ?? [];
    const current = versions.length ? versions[versions.length - 1] : policyOn([], fundId, command.effectiveFrom);
    const event = decideSetPolicy(command, current);
    const appended = await this.appendAt(policyStreamId(fundId), [event], versions.length - 1, command.effectiveFrom, actor);
    if (!appended) throw new AlertRefusal('bad-policy', '预警规则刚被他人修改，请重试', 'the policy was just changed by someone else; try again');
    await this.catchUp();
    return event.data;
  }

  async policy(fundId: string, asOf = this.today()): Promise<{ current: AlertPolicy; versions: AlertPolicy[] }> {
    await this.catchUp();
    const versions = this.policies.get(fundId) ?? [];
    return { current: policyOn(versions, fundId, asOf), versions };
  }

  async requestDeferral(input: Omit<Extract<DeferralCommand, { kind: 'RequestDeferral' }>, 'kind' | 'deferralId' | 'requestedBy' | 'occurredAt'> & { deferralId?: string; occurredAt?: string }, actor: Actor): Promise<DeferralState> {
    await this.catchUp();
    if (!this.fundEvents.has(input.fundId)) throw new AlertRefusal('bad-deferral', `专项资金 ${input.fundId} 不存在`, `fund ${input.fundId} not found`);
    const knownTarget =
      input.target.kind === 'holder'
        ? this.holders.has(input.target.holderId)
        : (this.fundEvents.get(input.fundId) ?? []).some((event) => event.type === 'ProjectRegistered' && (event.data as { projectId: string }).projectId === (input.target as { projectId: string }).projectId);
    if (!knownTarget) throw new AlertRefusal('bad-deferral', '延期对象（单位或项目）不存在', 'the deferral names an unknown holder or project');
    const command: DeferralCommand = {
      kind: 'RequestDeferral',
      deferralId: input.deferralId ?? randomUUID(),
      fundId: input.fundId,
      target: input.target,
      reason: input.reason,
      untilDate: input.untilDate,
      occurredAt: input.occurredAt ?? this.today(),
      requestedBy: actor.id,
    };
    const event = decideDeferral(command, this.deferrals.get(command.deferralId));
    if (!(await this.appendNew(deferralStreamId(command.deferralId), [event], command.occurredAt, actor))) {
      throw new AlertRefusal('bad-deferral', `延期申请 ${command.deferralId} 已存在`, `deferral ${command.deferralId} already exists`);
    }
    await this.catchUp();
    return this.deferrals.get(command.deferralId)!;
  }

  /** Approve or reject for one approving body; an approval that completes both puts the deferral in force. */
  async decideDeferral(deferralId: string, decision: 'approve' | 'reject', body: ApprovingBody, actor: Actor, note: string, occurredAt?: string): Promise<DeferralState> {
    assertMayApproveFor(actor, body);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await this.catchUp();
      const state = this.deferrals.get(deferralId);
      const event = decideDeferral(
        { kind: decision === 'approve' ? 'ApproveDeferral' : 'RejectDeferral', deferralId, body, actorId: actor.id, note, occurredAt: occurredAt ?? this.today() },
        state,
      );
      // both bodies may decide at the same moment: the second re-decides on the first's result
      if (await this.appendAt(deferralStreamId(deferralId), [event], state!.version, occurredAt ?? this.today(), actor)) {
        await this.catchUp();
        return this.deferrals.get(deferralId)!;
      }
    }
    throw new AlertRefusal('deferral-not-pending', `延期申请 ${deferralId} 正被并发修改，请重试`, `deferral ${deferralId} kept changing; try again`);
  }

  async createSubscription(input: { supervisorId?: string; supervisorName: string; filter: SubscriptionFilter; channel: Channel | (Omit<Extract<Channel, { kind: 'webhook' }>, 'secret'> & { secret?: string }) }, actor: Actor): Promise<SubscriptionState> {
    const channel = validateChannel(input.channel);
    const subscriptionId = randomUUID();
    const event: SubscriptionEvent = {
      type: 'SubscriptionCreated',
      data: { subscriptionId, supervisorId: input.supervisorId ?? actor.id, supervisorName: input.supervisorName, filter: input.filter, channel },
    };
    await this.appendNew(subscriptionStreamId(subscriptionId), [event], this.today(), actor);
    await this.catchUp();
    return this.subscriptions.get(subscriptionId)!;
  }

  async removeSubscription(subscriptionId: string, actor: Actor): Promise<void> {
    await this.catchUp();
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription || subscription.removed) throw new AlertRefusal('unknown-subscription', `订阅 ${subscriptionId} 不存在`, `subscription ${subscriptionId} not found`);
    await this.appendAt(subscriptionStreamId(subscriptionId), [{ type: 'SubscriptionRemoved', data: { subscriptionId, removedBy: actor.id } }], 0, this.today(), actor, true);
    await this.catchUp();
  }

  // ---------------------------------------------------------------------------------------------
  // queries

  async list(filter: AlertFilter = {}): Promise<AlertState[]> {
    await this.catchUp();
    return [...this.alerts.values()]
      .filter((alert) => !filter.fundId || alert.fundId === filter.fundId)
      .filter((alert) => !filter.countyCode || alert.countyCode === filter.countyCode)
      .filter((alert) => !filter.level || alert.level === filter.level)
      .filter((alert) => !filter.severity || alert.severity === filter.severity)
      .filter((alert) => !filter.status || alert.status === filter.status)
      .filter((alert) => !filter.visible || filter.visible(alert))
      .sort((a, b) => (a.crossedOn < b.crossedOn ? 1 : a.crossedOn > b.crossedOn ? -1 : a.alertId < b.alertId ? -1 : 1))
      .slice(0, Math.min(filter.limit ?? 1_000, 10_000));
  }

  /** The county of a deferral's target: the holder's county, or the county of the project's registration. */
  deferralCountyCode(deferral: Pick<DeferralState, 'fundId' | 'target'>): string | undefined {
    if (deferral.target.kind === 'holder') return this.holders.get(deferral.target.holderId)?.county?.code;
    const projectId = deferral.target.projectId;
    const registered = (this.fundEvents.get(deferral.fundId) ?? []).find((event) => event.type === 'ProjectRegistered' && (event.data as { projectId: string }).projectId === projectId);
    return (registered?.data as { county?: { code?: string } } | undefined)?.county?.code;
  }

  deferralView(state: DeferralState, asOf = this.today()) {
    return { ...state, status: deferralStatus(state, asOf), approvalsNeeded: (['city-finance', 'department'] as const).filter((body) => !state.approvals[body]) };
  }

  // ---------------------------------------------------------------------------------------------
  // appending

  private envelope(event: { type: string; data: unknown }, occurredAt: string, actor: Actor): NewEvent {
    const correlationId = randomUUID();
    return {
      eventId: randomUUID(),
      type: event.type,
      data: event.data,
      metadata: { actor, occurredAt, recordedAt: this.clock().toISOString(), correlationId, causationId: correlationId, schemaVersion: ALERTS_SCHEMA_VERSION },
    };
  }

  /** Appends the first events of a stream; false when the stream already exists (someone else was first). */
  private async appendNew(streamId: string, events: Array<{ type: string; data: unknown }>, occurredAt: string, actor: Actor = SYSTEM_ACTOR): Promise<boolean> {
    try {
      await this.store.append(streamId, events.map((event) => this.envelope(event, occurredAt, actor)), { expectedVersion: 'no-stream' });
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }

  /** Appends after `version`; false on a conflict, or throws when `required`. */
  private async appendAt(streamId: string, events: Array<{ type: string; data: unknown }>, version: number, occurredAt: string, actor: Actor = SYSTEM_ACTOR, required = false): Promise<boolean> {
    try {
      await this.store.append(streamId, events.map((event) => this.envelope(event, occurredAt, actor)), { expectedVersion: version });
      return true;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError && !required) return false;
      throw error;
    }
  }
}

/**
 * The city finance bureau approves as itself; the responsible department (the city industry bureau) is
 * represented by supervisors and department staff. County staff never approve their own delay.
 */
export function assertMayApproveFor(actor: Actor, body: ApprovingBody): void {
  if (actor.role === 'admin') return;
  if (body === 'city-finance' && actor.role === 'city-finance') return;
  if (body === 'department' && ['supervisor', 'department', 'city-department'].includes(actor.role)) return;
  throw new AlertRefusal('not-approver', `角色 ${actor.role} 不能代表${APPROVING_BODY_NAMES[body].zh}审批延期`, `the role ${actor.role} cannot decide for the ${APPROVING_BODY_NAMES[body].en}`);
}

const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

function validateChannel(channel: Channel | { kind: 'webhook'; url: string; secret?: string }): Channel {
  const url = 'url' in channel ? channel.url : undefined;
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AlertRefusal('bad-subscription', `地址无效：${url}`, `not a URL: ${url}`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new AlertRefusal('bad-subscription', '地址必须是 http(s)', 'the URL must be http(s)');
  }
  switch (channel.kind) {
    case 'webhook':
      return { kind: 'webhook', url: channel.url, secret: channel.secret && channel.secret.length >= 16 ? channel.secret : randomBytes(24).toString('base64url') };
    case 'wecom':
      return { kind: 'wecom', url: channel.url };
    case 'dingtalk':
      return { kind: 'dingtalk', url: channel.url, ...(channel.secret ? { secret: channel.secret } : {}) };
    case 'email':
      if (!EMAIL_PATTERN.test(channel.to)) throw new AlertRefusal('bad-subscription', `邮箱地址无效：${channel.to}`, `not an e-mail address: ${channel.to}`);
      return { kind: 'email', to: channel.to };
    default:
      throw new AlertRefusal('bad-subscription', '未知的通知渠道', 'unknown channel');
  }
}

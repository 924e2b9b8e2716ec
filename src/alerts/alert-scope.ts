/**
 * Scope for the alert feature: which alerts, deliveries, subscriptions and deferrals an identity may see
 * and act on. The guard checks the role (src/auth/roles.ts); the objects are looked up here and their county
 * handed to the same policy (`authorize` with a resource, `countyVisible` for lists), so that a supervisor or
 * a clerk of one county sees and touches only that county, and city-level roles and auditors see all.
 */
import type { Identity } from '../auth/identity';
import { AuthError } from '../auth/auth-error';
import { type Resource, authorize, countyScoped, countyVisible } from '../auth/policy';
import type { Action } from '../auth/roles';
import type { AlertService } from './alert-service';
import type { AlertState, DeferralState, DeliveryState, SubscriptionState } from './domain';

/** Where a denial is recorded (the security log, when the app has one). */
export type DenialLog = (entry: { identity: Identity; action: Action; reason: string; status: number }) => void;

/** Throws the policy's 403 (zh/en reason) unless the identity may perform `action` on `resource`. */
export function assertScope(identity: Identity | undefined, action: Action, resource: Resource, log?: DenialLog): void {
  // no identity: only when the guard is not in front (the CLI, unit tests); the guard refuses anonymous HTTP calls
  if (!identity) return;
  const decision = authorize(identity, action, resource);
  if (decision.allowed) return;
  log?.({ identity, action, reason: decision.reason_en, status: decision.status });
  throw new AuthError(decision.status, decision.code, decision.reason_zh, decision.reason_en, { action });
}

export function alertVisible(identity: Identity | undefined, alert: Pick<AlertState, 'countyCode'>): boolean {
  return !identity || countyVisible(identity, alert.countyCode);
}

/** A delivery is as visible as its alert. */
export function deliveryVisible(identity: Identity | undefined, service: AlertService, delivery: DeliveryState): boolean {
  if (!identity || !countyScoped(identity)) return true;
  const alert = service.alerts.get(delivery.alertId);
  return Boolean(alert) && countyVisible(identity, alert!.countyCode);
}

/** A county-scoped user sees the subscriptions of their county and their own. */
export function subscriptionVisible(identity: Identity | undefined, subscription: SubscriptionState): boolean {
  if (!identity || !countyScoped(identity)) return true;
  return subscription.supervisorId === identity.userId || subscription.filter.countyCode === identity.countyCode;
}

export function deferralVisible(identity: Identity | undefined, service: AlertService, deferral: DeferralState): boolean {
  return !identity || countyVisible(identity, service.deferralCountyCode(deferral));
}

/**
 * The delay policy of a fund (资金滞留预警规则): how many days money may sit at each level before it moves on,
 * how long a registered project may wait for its payout, when to warn before the limit and when to escalate.
 * A policy change is an event (AlertPolicySet) with a version; every alert names the version that raised it.
 */
import type { Level } from '../../domain/holders';
import { AlertRefusal } from './refusal';

/** Levels where money is only passing through: the ones whose dwell time is limited. */
export const INTERMEDIATE_LEVELS = ['city-finance', 'county-finance', 'department', 'park'] as const satisfies readonly Level[];
export type IntermediateLevel = (typeof INTERMEDIATE_LEVELS)[number];

export interface AlertPolicy {
  fundId: string;
  /** 0: the documented defaults (no AlertPolicySet yet); then 1, 2, … */
  version: number;
  /** Days money may sit at a holder of each level. */
  limitDays: Record<IntermediateLevel, number>;
  /** Days a registered project may wait until it is paid in full. */
  projectPayoutWaitDays: number;
  /** The warning comes at this fraction of the limit (0 < f < 1). */
  warningFraction: number;
  /** Escalation at this multiple of the limit (> 1). */
  escalationMultiple: number;
  /** The business date from which this version applies. */
  effectiveFrom: string;
}

/**
 * The defaults, documented in docs/alerts.md: 30 days per intermediate level (the evaluation asks that money
 * reach enterprises promptly; 30 days is one monthly treasury cycle), 90 days from a project's registration to
 * its full payout, a warning at 80 % of the limit and an escalation at twice the limit.
 */
export const DEFAULT_LIMIT_DAYS = 30;
export const DEFAULT_PROJECT_PAYOUT_WAIT_DAYS = 90;
export const DEFAULT_WARNING_FRACTION = 0.8;
export const DEFAULT_ESCALATION_MULTIPLE = 2;
/** No limit may exceed ten years: a bound on every date computation. */
export const LIMIT_DAYS_MAX = 3_650;

export function defaultPolicy(fundId: string): AlertPolicy {
  return {
    fundId,
    version: 0,
    limitDays: { 'city-finance': DEFAULT_LIMIT_DAYS, 'county-finance': DEFAULT_LIMIT_DAYS, department: DEFAULT_LIMIT_DAYS, park: DEFAULT_LIMIT_DAYS },
    projectPayoutWaitDays: DEFAULT_PROJECT_PAYOUT_WAIT_DAYS,
    warningFraction: DEFAULT_WARNING_FRACTION,
    escalationMultiple: DEFAULT_ESCALATION_MULTIPLE,
    effectiveFrom: '1900-01-01',
  };
}

export type Threshold = 'warning' | 'breach' | 'escalation';
export const THRESHOLDS: readonly Threshold[] = ['warning', 'breach', 'escalation'];
export type Severity = 'warning' | 'breach' | 'critical';
export const SEVERITY_OF: Record<Threshold, Severity> = { warning: 'warning', breach: 'breach', escalation: 'critical' };
export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, breach: 2, critical: 3 };
export const SEVERITY_NAMES: Record<Severity, { zh: string; en: string }> = {
  warning: { zh: '预警', en: 'warning' },
  breach: { zh: '超期', en: 'overdue' },
  critical: { zh: '严重超期（升级）', en: 'escalated' },
};

/** Days after which each threshold is crossed for a limit: the warning rounds up, so it never comes before f × limit. */
export function thresholdDays(limitDays: number, policy: Pick<AlertPolicy, 'warningFraction' | 'escalationMultiple'>): Record<Threshold, number> {
  return {
    warning: Math.ceil(limitDays * policy.warningFraction),
    breach: limitDays,
    escalation: Math.ceil(limitDays * policy.escalationMultiple),
  };
}

export interface SetAlertPolicy {
  limitDays?: Partial<Record<IntermediateLevel, number>>;
  projectPayoutWaitDays?: number;
  warningFraction?: number;
  escalationMultiple?: number;
  effectiveFrom: string;
}

/** Event: a new version of a fund's policy. Stream `alert-policy-<fundId>`. */
export interface AlertPolicySet {
  type: 'AlertPolicySet';
  data: AlertPolicy;
}

export const policyStreamId = (fundId: string): string => `alert-policy-${fundId}`;

/** The next version of the policy: what the command changes, the rest kept. */
export function decideSetPolicy(command: SetAlertPolicy, current: AlertPolicy): AlertPolicySet {
  const next: AlertPolicy = {
    fundId: current.fundId,
    version: current.version + 1,
    // only the levels the command names (a DTO may carry the others as undefined)
    limitDays: { ...current.limitDays, ...Object.fromEntries(Object.entries(command.limitDays ?? {}).filter(([, days]) => days !== undefined)) },
    projectPayoutWaitDays: command.projectPayoutWaitDays ?? current.projectPayoutWaitDays,
    warningFraction: command.warningFraction ?? current.warningFraction,
    escalationMultiple: command.escalationMultiple ?? current.escalationMultiple,
    effectiveFrom: command.effectiveFrom,
  };
  for (const [level, days] of Object.entries(next.limitDays)) requireDays(days, `limitDays.${level}`);
  requireDays(next.projectPayoutWaitDays, 'projectPayoutWaitDays');
  if (!(next.warningFraction > 0 && next.warningFraction < 1)) {
    throw new AlertRefusal('bad-policy', `预警比例必须在 0 与 1 之间：${next.warningFraction}`, `warningFraction must be between 0 and 1: ${next.warningFraction}`);
  }
  if (!(next.escalationMultiple > 1 && next.escalationMultiple <= 10)) {
    throw new AlertRefusal('bad-policy', `升级倍数必须大于 1 且不超过 10：${next.escalationMultiple}`, `escalationMultiple must be above 1 and at most 10: ${next.escalationMultiple}`);
  }
  if (command.effectiveFrom < current.effectiveFrom) {
    throw new AlertRefusal('bad-policy', `生效日期 ${command.effectiveFrom} 早于现行版本的生效日期 ${current.effectiveFrom}`, `effectiveFrom ${command.effectiveFrom} is before the current version's ${current.effectiveFrom}`);
  }
  return { type: 'AlertPolicySet', data: next };
}

function requireDays(days: number, field: string): void {
  if (!Number.isInteger(days) || days < 1 || days > LIMIT_DAYS_MAX) {
    throw new AlertRefusal('bad-policy', `${field} 必须是 1 到 ${LIMIT_DAYS_MAX} 之间的整数天数`, `${field} must be a whole number of days from 1 to ${LIMIT_DAYS_MAX}`);
  }
}

/** The version in force on a business date: the latest whose effectiveFrom is on or before it. */
export function policyOn(versions: readonly AlertPolicy[], fundId: string, date: string): AlertPolicy {
  let chosen = defaultPolicy(fundId);
  for (const version of versions) if (version.effectiveFrom <= date && version.version > chosen.version) chosen = version;
  return chosen;
}

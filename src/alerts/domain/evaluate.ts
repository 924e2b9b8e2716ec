/**
 * The alert evaluation, pure: a fund's events up to a business date, its holders, its policy versions and its
 * deferrals → every alert that would have been raised by that date, with the day each threshold was crossed and
 * the day it was resolved (the money moved on). The live engine raises exactly these; an auditor asks the same
 * function about any past date.
 *
 * One alert per subject and threshold: a subject is a lot (money that arrived at a holder, consumed first in,
 * first out) or a registered project waiting for its payout. Its id is derived from fund, subject and threshold,
 * so re-evaluating, evaluating concurrently or after a restart always names the same alert.
 */
import { addDays, daysBetween } from '../../domain/dates';
import type { Holder } from '../../domain/holders';
import type { EventReversed, PayoutMade, ProjectRegistered } from '../../domain/events';
import { uuidFromName } from '../../shared/ids';
import { type DeferralState, pauseOf } from './deferrals';
import { type FundEventInput, type LotRecord, lotHistory, remainingOn } from './fifo-lots';
import { type AlertPolicy, INTERMEDIATE_LEVELS, type IntermediateLevel, SEVERITY_OF, type Severity, THRESHOLDS, type Threshold, policyOn, thresholdDays } from './policy';

export type AlertKind = 'dwell' | 'payout-wait';

export interface AlertFinding {
  alertId: string;
  fundId: string;
  kind: AlertKind;
  threshold: Threshold;
  severity: Severity;
  /** The lot (`<eventId>#<piece>`) or `project:<projectId>`. */
  subjectKey: string;
  holderId: string;
  holderName: string;
  level: string;
  countyCode?: string;
  countyName?: string;
  projectId?: string;
  projectName?: string;
  /** What was still there on the day the threshold was crossed. */
  amountFen: number;
  /** When the clock started: the money's arrival, or the project's registration. */
  since: string;
  limitDays: number;
  thresholdDays: number;
  /** Days the clock stood still under deferrals before the crossing. */
  pausedDays: number;
  crossedOn: string;
  policyVersion: number;
  /** For an escalation: the overdue alert it escalates. */
  escalates?: string;
  resolvedOn?: string;
}

export interface EvaluationInput {
  fundId: string;
  /** The fund's events in stream order (all of them: the function cuts at `asOf` itself). */
  events: readonly FundEventInput[];
  holders: ReadonlyMap<string, Holder>;
  policies: readonly AlertPolicy[];
  /** Deferral states built from the deferral events recorded on or before `asOf`. */
  deferrals: readonly DeferralState[];
  asOf: string;
}

export const alertIdOf = (fundId: string, subjectKey: string, threshold: Threshold): string => uuidFromName(`alert:${fundId}:${subjectKey}:${threshold}`);

/** Every alert crossed on or before `asOf`, ordered by the day it was crossed. */
export function evaluateAlerts(input: EvaluationInput): AlertFinding[] {
  const { fundId, asOf } = input;
  const events = input.events.filter((event) => event.occurredAt <= asOf);
  const policy = policyOn(input.policies, fundId, asOf);
  const pauses = pausesByTarget(input.deferrals.filter((deferral) => deferral.fundId === fundId), asOf);
  const findings: AlertFinding[] = [];
  for (const lot of lotHistory(events)) {
    const holder = input.holders.get(lot.holderId);
    if (!holder || !(INTERMEDIATE_LEVELS as readonly string[]).includes(holder.level)) continue;
    const limitDays = policy.limitDays[holder.level as IntermediateLevel];
    findings.push(
      ...findingsFor(
        {
          fundId,
          kind: 'dwell',
          subjectKey: lot.lotKey,
          holderId: holder.holderId,
          holderName: holder.name,
          level: holder.level,
          ...(holder.county ? { countyCode: holder.county.code, countyName: holder.county.name } : {}),
          since: lot.ageFrom,
          limitDays,
        },
        lot,
        pauses.get(`holder:${holder.holderId}`) ?? [],
        policy,
        asOf,
      ),
    );
  }
  for (const wait of projectWaits(events)) {
    const enterprise = input.holders.get(wait.enterpriseHolderId);
    findings.push(
      ...findingsFor(
        {
          fundId,
          kind: 'payout-wait',
          subjectKey: `project:${wait.projectId}`,
          holderId: wait.enterpriseHolderId,
          holderName: enterprise?.name ?? wait.enterpriseHolderId,
          level: 'enterprise',
          countyCode: wait.county.code,
          countyName: wait.county.name,
          projectId: wait.projectId,
          projectName: wait.name,
          since: wait.ageFrom,
          limitDays: policy.projectPayoutWaitDays,
        },
        wait,
        pauses.get(`project:${wait.projectId}`) ?? [],
        policy,
        asOf,
      ),
    );
  }
  return findings.sort((a, b) => (a.crossedOn < b.crossedOn ? -1 : a.crossedOn > b.crossedOn ? 1 : a.alertId < b.alertId ? -1 : 1));
}

type Subject = Pick<AlertFinding, 'fundId' | 'kind' | 'subjectKey' | 'holderId' | 'holderName' | 'level' | 'countyCode' | 'countyName' | 'projectId' | 'projectName' | 'since' | 'limitDays'>;

function findingsFor(subject: Subject, lot: Pick<LotRecord, 'amountFen' | 'outflows' | 'closedOn'>, pauses: Pause[], policy: AlertPolicy, asOf: string): AlertFinding[] {
  const days = thresholdDays(subject.limitDays, policy);
  const findings: AlertFinding[] = [];
  for (const threshold of THRESHOLDS) {
    const { date: crossedOn, pausedDays } = crossingDate(subject.since, days[threshold], pauses);
    if (crossedOn > asOf) continue;
    const amountFen = remainingOn(lot as LotRecord, crossedOn);
    if (amountFen <= 0) continue;
    const resolvedOn = lot.closedOn && lot.closedOn <= asOf ? lot.closedOn : undefined;
    findings.push({
      ...subject,
      alertId: alertIdOf(subject.fundId, subject.subjectKey, threshold),
      threshold,
      severity: SEVERITY_OF[threshold],
      amountFen,
      thresholdDays: days[threshold],
      pausedDays,
      crossedOn,
      policyVersion: policy.version,
      ...(threshold === 'escalation' ? { escalates: alertIdOf(subject.fundId, subject.subjectKey, 'breach') } : {}),
      ...(resolvedOn ? { resolvedOn } : {}),
    });
  }
  return findings;
}

export interface Pause {
  from: string;
  until: string;
}

function pausesByTarget(deferrals: readonly DeferralState[], asOf: string): Map<string, Pause[]> {
  const result = new Map<string, Pause[]>();
  for (const deferral of deferrals) {
    const pause = pauseOf(deferral);
    // a deferral rejected before it came into force never pauses; one decided after `asOf` is not known yet
    if (!pause || pause.from > asOf) continue;
    const key = deferral.target.kind === 'holder' ? `holder:${deferral.target.holderId}` : `project:${deferral.target.projectId}`;
    result.set(key, [...(result.get(key) ?? []), pause]);
  }
  return result;
}

/**
 * The day a clock started on `since` has counted `days` days, not counting the days under a pause
 * (each pause is [from, until)). Pauses may overlap.
 */
export function crossingDate(since: string, days: number, pauses: readonly Pause[]): { date: string; pausedDays: number } {
  let current = since;
  let left = days;
  let pausedDays = 0;
  for (const pause of [...pauses].sort((a, b) => (a.from < b.from ? -1 : 1))) {
    if (pause.until <= current) continue;
    const start = pause.from > current ? pause.from : current;
    const running = daysBetween(current, start);
    if (left <= running) break;
    left -= running;
    pausedDays += daysBetween(start, pause.until);
    current = pause.until;
  }
  return { date: addDays(current, left), pausedDays };
}

interface ProjectWait extends Pick<LotRecord, 'amountFen' | 'outflows' | 'closedOn'> {
  projectId: string;
  name: string;
  enterpriseHolderId: string;
  county: { code: string; name: string };
  ageFrom: string;
}

/** Each registered project as a "lot" of its approved amount, consumed by its payouts, closed when paid in full, closed or cancelled. */
function projectWaits(events: readonly FundEventInput[]): ProjectWait[] {
  const waits = new Map<string, ProjectWait & { paidFen: number }>();
  const payouts = new Map<string, PayoutMade['data']>();
  for (const event of events) {
    switch (event.type) {
      case 'ProjectRegistered': {
        const data = event.data as ProjectRegistered['data'];
        waits.set(data.projectId, {
          projectId: data.projectId,
          name: data.name,
          enterpriseHolderId: data.enterpriseHolderId,
          county: data.county,
          ageFrom: event.occurredAt,
          amountFen: data.approvedFen,
          outflows: [],
          paidFen: 0,
        });
        break;
      }
      case 'PayoutMade': {
        const data = event.data as PayoutMade['data'];
        payouts.set(event.eventId, data);
        const wait = waits.get(data.projectId);
        if (!wait) break;
        wait.paidFen += data.amountFen;
        wait.outflows.push({ on: event.occurredAt, amountFen: data.amountFen });
        if (wait.paidFen >= wait.amountFen && !wait.closedOn) wait.closedOn = event.occurredAt;
        break;
      }
      case 'EventReversed': {
        const data = event.data as EventReversed['data'];
        const payout = data.reversedType === 'PayoutMade' ? payouts.get(data.reversedEventId) : undefined;
        const wait = payout ? waits.get(payout.projectId) : undefined;
        if (!payout || !wait) break;
        wait.paidFen -= payout.amountFen;
        wait.outflows.push({ on: event.occurredAt, amountFen: -payout.amountFen });
        if (wait.paidFen < wait.amountFen) delete wait.closedOn;
        break;
      }
      case 'ProjectClosed':
      case 'ProjectCancelled': {
        const wait = waits.get((event.data as { projectId: string }).projectId);
        if (wait && !wait.closedOn) {
          wait.closedOn = event.occurredAt;
          // nothing more is owed: the rest stops counting from this day
          const owed = wait.amountFen - wait.paidFen;
          if (owed > 0) wait.outflows.push({ on: event.occurredAt, amountFen: owed });
        }
        break;
      }
    }
  }
  return [...waits.values()].map(({ paidFen: _paid, ...wait }) => wait);
}

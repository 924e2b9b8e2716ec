/**
 * Executes a demo script purely through the deciders, without any store or framework:
 * `decideRegisterHolder`/`evolveRegistry` for holders, `decideFund`/`evolveFund` for funds (one state per fund id),
 * versions incrementing per stream and event ids from `demoEventId`. Conservation is asserted after every fund step.
 * A refused step stops the run with an error naming the step.
 */
import type { Holder, Level } from '../domain/holders';
import type { LedgerEvent } from '../domain/events';
import { HOLDERS_STREAM, fundStreamId } from '../domain/events';
import { type FundState, assertConservation, decideFund, evolveFund, initialFundState } from '../domain/fund';
import { type HolderRegistryState, decideRegisterHolder, evolveRegistry, initialRegistryState } from '../domain/registry';
import { LedgerRefusal } from '../domain/refusal';
import { type DemoActor, type DemoStep, demoEventId, isHolderStep, stepDate } from './demo-script';

export interface RecordedDemoEvent {
  eventId: string;
  streamId: string;
  /** Version within its stream, from 0. */
  version: number;
  /** Position in the whole run, from 0. */
  position: number;
  event: LedgerEvent;
  /** Business date; undefined for holder registrations. */
  occurredAt?: string;
  document?: string;
  actor?: DemoActor;
  /** Index of the script step that decided this event. */
  step: number;
}

export interface PureRunResult {
  registry: HolderRegistryState;
  funds: Map<string, FundState>;
  events: RecordedDemoEvent[];
  /** How many steps were executed (fewer than the script when `until` cut it). */
  stepsRun: number;
}

export interface PureRunOptions {
  /** Run only the fund steps dated on or before this business date (holder steps always run). The script must be in date order. */
  until?: string;
  /** Called after every executed step, e.g. to check invariants. */
  afterStep?: (info: { index: number; step: DemoStep; registry: HolderRegistryState; fund?: FundState; decided: RecordedDemoEvent[] }) => void;
}

export class DemoStepError extends Error {
  constructor(
    public readonly index: number,
    public readonly step: DemoStep,
    public readonly failure: unknown,
  ) {
    const what = isHolderStep(step) ? `RegisterHolder ${step.holder.holderId}` : `${step.command.kind} on ${step.command.occurredAt}`;
    const reason =
      failure instanceof LedgerRefusal ? `${failure.code}: ${failure.reason_en} (${failure.reason_zh})` : String(failure instanceof Error ? failure.message : failure);
    super(`demo step ${index} (${what}) failed: ${reason}`);
    this.name = 'DemoStepError';
  }
}

export function runScriptPure(steps: readonly DemoStep[], options: PureRunOptions = {}): PureRunResult {
  const registry = initialRegistryState();
  const funds = new Map<string, FundState>();
  const events: RecordedDemoEvent[] = [];
  let stepsRun = 0;

  steps.forEach((step, index) => {
    const date = stepDate(step);
    if (options.until !== undefined && date !== undefined && date > options.until) return;
    const decided: RecordedDemoEvent[] = [];
    try {
      if (isHolderStep(step)) {
        const event = decideRegisterHolder(step.holder, registry);
        const version = registry.version + 1;
        evolveRegistry(registry, event, version);
        decided.push({ eventId: demoEventId(HOLDERS_STREAM, event, version), streamId: HOLDERS_STREAM, version, position: events.length, event, step: index });
      } else {
        const state = funds.get(step.fundId) ?? initialFundState(step.fundId);
        funds.set(step.fundId, state);
        const streamId = fundStreamId(step.fundId);
        for (const result of decideFund(step.command, state, { holders: registry.holders })) {
          const version = state.version + 1;
          const eventId = demoEventId(step.fundId, result.event, version);
          evolveFund(state, result.event, eventId, result.occurredAt, version);
          decided.push({
            eventId,
            streamId,
            version,
            position: events.length + decided.length,
            event: result.event,
            occurredAt: result.occurredAt,
            ...(result.document !== undefined ? { document: result.document } : {}),
            actor: step.actor,
            step: index,
          });
        }
        assertConservation(state);
      }
    } catch (error) {
      throw new DemoStepError(index, step, error);
    }
    events.push(...decided);
    stepsRun++;
    options.afterStep?.({ index, step, registry, fund: isHolderStep(step) ? undefined : funds.get(step.fundId), decided });
  });

  const ids = new Set<string>();
  for (const recorded of events) {
    if (ids.has(recorded.eventId)) throw new Error(`invariant: demo event id ${recorded.eventId} used twice`);
    ids.add(recorded.eventId);
  }
  return { registry, funds, events, stepsRun };
}

/** What a fund holds at each level (holders' balances only; money in transit and unallocated budget are not held by anyone). */
export function heldByLevel(fund: FundState, holders: ReadonlyMap<string, Holder>): Record<Level, number> {
  const totals: Record<Level, number> = { 'city-finance': 0, 'county-finance': 0, department: 0, park: 0, enterprise: 0, pool: 0 };
  for (const [holderId, balance] of fund.balances) {
    const holder = holders.get(holderId);
    if (!holder) throw new Error(`invariant: fund ${fund.fundId} has a balance at unregistered holder ${holderId}`);
    totals[holder.level] += balance;
  }
  return totals;
}

/** Money sent and not yet received, in fen. */
export function inTransit(fund: FundState): number {
  let total = 0;
  for (const transfer of fund.transfers.values()) if (transfer.status === 'in-transit') total += transfer.amountFen;
  return total;
}

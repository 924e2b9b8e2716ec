/**
 * Given/when/then for the fund decider: `given(events).when(command).then(events)` or
 * `.thenRefuses(code)`. Events are given as domain events with their business dates.
 */
import {
  type Decided,
  type FundCommand,
  type FundEvent,
  type FundState,
  type Holder,
  type RefusalCode,
  LedgerRefusal,
  assertConservation,
  decideFund,
  evolveFund,
  initialFundState,
} from '../../src/domain';

export const FUND = 'f-test';
export interface Given {
  event: FundEvent;
  occurredAt: string;
  eventId?: string;
}

export function stateFrom(given: Given[], fundId = FUND): FundState {
  const state = initialFundState(fundId);
  given.forEach((entry, index) => evolveFund(state, entry.event, entry.eventId ?? `e${index}`, entry.occurredAt, index));
  assertConservation(state);
  return state;
}

export function spec(holders: Holder[]) {
  const context = { holders: new Map(holders.map((holder) => [holder.holderId, holder])) };
  return {
    given(given: Given[]) {
      const state = stateFrom(given);
      return {
        when(command: FundCommand) {
          return {
            then(expected: Array<Partial<Decided> & { event: FundEvent }>) {
              const decided = decideFund(command, state, context);
              expect(decided.map((entry) => entry.event)).toEqual(expected.map((entry) => entry.event));
              // the decided events apply cleanly and keep every invariant
              decided.forEach((entry, index) => evolveFund(state, entry.event, `new${index}`, entry.occurredAt, state.version + 1));
              assertConservation(state);
              return decided;
            },
            thenRefuses(code: RefusalCode, message?: RegExp) {
              let refusal: unknown;
              try {
                decideFund(command, state, context);
              } catch (error) {
                refusal = error;
              }
              expect(refusal).toBeInstanceOf(LedgerRefusal);
              expect((refusal as LedgerRefusal).code).toBe(code);
              expect((refusal as LedgerRefusal).reason_zh).toMatch(/[\u4e00-\u9fff]/);
              if (message) expect(`${(refusal as LedgerRefusal).reason_zh} ${(refusal as LedgerRefusal).reason_en}`).toMatch(message);
              return refusal as LedgerRefusal;
            },
          };
        },
      };
    },
  };
}

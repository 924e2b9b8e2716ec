import { LedgerRefusal } from '../../src/domain';
export { type DeferralCommand, decideDeferral, deferralStatus } from '../../src/alerts/domain';

/** The call is refused with this code, and says why in Chinese. */
export function LedgerRefusalCheck(call: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(LedgerRefusal);
  expect((thrown as LedgerRefusal).code).toBe(code);
  expect((thrown as LedgerRefusal).reason_zh).toMatch(/[\u4e00-\u9fff]/);
}

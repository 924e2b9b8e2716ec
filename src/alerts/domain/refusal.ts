/** A refusal of the alert feature: an expected answer with its reason in Chinese and English (HTTP 4xx). */
import { LedgerRefusal, type RefusalCode } from '../../domain/refusal';

export type AlertRefusalCode =
  | 'bad-policy'
  | 'bad-acknowledgement'
  | 'unknown-alert'
  | 'unknown-deferral'
  | 'unknown-subscription'
  | 'unknown-delivery'
  | 'deferral-not-pending'
  | 'already-approved'
  | 'same-approver'
  | 'bad-deferral'
  | 'bad-subscription'
  | 'not-approver'
  | 'not-redeliverable';

const NOT_FOUND: ReadonlySet<AlertRefusalCode> = new Set(['unknown-alert', 'unknown-deferral', 'unknown-subscription', 'unknown-delivery']);
const CONFLICT: ReadonlySet<AlertRefusalCode> = new Set(['deferral-not-pending', 'already-approved', 'not-redeliverable']);

/** A LedgerRefusal, so that the one exception filter and the CLI answer it the same way. */
export class AlertRefusal extends LedgerRefusal {
  constructor(code: AlertRefusalCode, zh: string, en: string, details: Record<string, unknown> = {}) {
    super(code as unknown as RefusalCode, zh, en, details);
    this.name = 'AlertRefusal';
  }

  override get httpStatus(): 404 | 409 | 422 {
    const code = this.code as unknown as AlertRefusalCode;
    if (NOT_FOUND.has(code)) return 404;
    return CONFLICT.has(code) ? 409 : 422;
  }
}

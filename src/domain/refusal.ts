/**
 * A refusal of the ledger: the command is well formed but the ledger will not do it.
 * It is an expected answer (HTTP 409 or 422), not a bug; it carries its reason in Chinese and English.
 */
export type RefusalCode =
  | 'insufficient-balance'
  | 'unknown-holder'
  | 'unknown-fund'
  | 'unknown-project'
  | 'unknown-transfer'
  | 'unknown-event'
  | 'unknown-allocation'
  | 'project-not-payable'
  | 'beyond-approved-amount'
  | 'already-received'
  | 'already-reversed'
  | 'reversal-of-reversal'
  | 'not-reversible'
  | 'date-before-fund'
  | 'date-before-sent'
  | 'duplicate-id'
  | 'wrong-level'
  | 'same-holder'
  | 'beyond-unallocated'
  | 'beyond-allocation'
  | 'project-closed'
  | 'idempotency-key-reused'
  | 'empty-batch';

/** 409: the request conflicts with the ledger's state; 422: it can never be valid for this ledger. */
const CONFLICT_CODES: ReadonlySet<RefusalCode> = new Set<RefusalCode>([
  'insufficient-balance',
  'already-received',
  'already-reversed',
  'duplicate-id',
  'beyond-approved-amount',
  'beyond-unallocated',
  'beyond-allocation',
  'idempotency-key-reused',
]);

export class LedgerRefusal extends Error {
  constructor(
    public readonly code: RefusalCode,
    public readonly reason_zh: string,
    public readonly reason_en: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(reason_en);
    this.name = 'LedgerRefusal';
  }

  get httpStatus(): 404 | 409 | 422 {
    if (this.code === 'unknown-fund') return 404;
    return CONFLICT_CODES.has(this.code) ? 409 : 422;
  }
}

export function refuse(code: RefusalCode, zh: string, en: string, details: Record<string, unknown> = {}): never {
  throw new LedgerRefusal(code, zh, en, details);
}

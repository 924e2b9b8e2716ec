/**
 * Amounts are integer fen inside and decimal strings of 元 outside: every field named `…Fen`
 * leaves the ledger as the same name without the suffix, formatted in 元 ("amountFen": 3000000 → "amount": "30000.00").
 */
import { formatYuan } from '../domain/money';

export function present(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(present);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (key.endsWith('Fen') && typeof field === 'number') result[key.slice(0, -3)] = formatYuan(field);
    else result[key] = present(field);
  }
  return result;
}

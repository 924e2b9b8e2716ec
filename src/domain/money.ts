/**
 * Money is an integer number of fen (分) inside Fundtrail, never a float.
 * At the edges it is a decimal string of 元 with at most two decimals.
 */

/** 1 元 = 100 分. */
export const FEN_PER_YUAN = 100;
/** 1 万元 = 1,000,000 分. */
export const FEN_PER_WAN = 1_000_000;
/**
 * The largest amount one request may carry: 100 billion 元 (1,000 亿元), 10^13 fen,
 * far below Number.MAX_SAFE_INTEGER (about 9.007 × 10^15) so that sums of many amounts stay exact.
 */
export const AMOUNT_FEN_MAX = 10_000_000_000_000;

export class MoneyFormatError extends Error {
  constructor(
    public readonly input: unknown,
    public readonly reason_zh: string,
    public readonly reason_en: string,
  ) {
    super(`${reason_en} (${reason_zh})`);
    this.name = 'MoneyFormatError';
  }
}

const YUAN_PATTERN = /^(\d{1,16})(?:\.(\d{1,2}))?$/;

/**
 * Parses a decimal string of 元 ("4191800.00", "0.01", "30") into fen.
 * Refuses signs, exponents, more than two decimals, empty and non-numeric input, and amounts above `maxFen`.
 */
export function parseYuan(input: unknown, maxFen: number = AMOUNT_FEN_MAX): number {
  if (typeof input !== 'string') {
    throw new MoneyFormatError(input, '金额必须是以元为单位的十进制字符串，例如 "4191800.00"', 'amount must be a decimal string of yuan, e.g. "4191800.00"');
  }
  const text = input.trim();
  if (text === '') throw new MoneyFormatError(input, '金额不能为空', 'amount is empty');
  if (/^[+-]/.test(text)) throw new MoneyFormatError(input, '金额不能带正负号', 'amount must not carry a sign');
  if (/[eE]/.test(text)) throw new MoneyFormatError(input, '金额不能用科学计数法', 'amount must not use an exponent');
  if (/^\d+\.\d{3,}$/.test(text)) throw new MoneyFormatError(input, '金额最多两位小数（分）', 'amount has more than two decimals (fen)');
  const match = YUAN_PATTERN.exec(text);
  if (!match) throw new MoneyFormatError(input, `金额格式无效："${truncate(text)}"`, `amount is not a decimal number: "${truncate(text)}"`);
  const fen = Number(match[1]) * FEN_PER_YUAN + Number((match[2] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(fen) || fen > maxFen) {
    throw new MoneyFormatError(input, `金额超过上限 ${formatYuan(maxFen)} 元`, `amount exceeds the maximum of ${formatYuan(maxFen)} yuan`);
  }
  return fen;
}

/** Parses a positive amount (zero refused). */
export function parsePositiveYuan(input: unknown, maxFen: number = AMOUNT_FEN_MAX): number {
  const fen = parseYuan(input, maxFen);
  if (fen === 0) throw new MoneyFormatError(input, '金额必须大于零', 'amount must be greater than zero');
  return fen;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function assertFen(amount_fen: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount_fen)) throw new Error(`invariant: ${what} is not an integer number of fen: ${amount_fen}`);
}

/** 419180000 fen → "4191800.00" (元, two decimals, no grouping: for machines). */
export function formatYuan(amount_fen: number): string {
  assertFen(amount_fen);
  const negative = amount_fen < 0;
  const abs = Math.abs(amount_fen);
  const yuan = Math.floor(abs / FEN_PER_YUAN);
  const fen = abs % FEN_PER_YUAN;
  return `${negative ? '-' : ''}${yuan}.${String(fen).padStart(2, '0')}`;
}

/** 419180000 fen → "419.18" (万元, two decimals, rounded half away from zero). */
export function formatWan(amount_fen: number): string {
  assertFen(amount_fen);
  const negative = amount_fen < 0;
  const abs = Math.abs(amount_fen);
  // hundredths of a 万元 = 10,000 fen; round half up on the absolute value.
  const hundredths = Math.floor((abs + 5_000) / 10_000);
  const text = `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
  return negative && hundredths !== 0 ? `-${text}` : text;
}

/** Human form with grouping: 12251310000 fen → "122,513,100.00". */
export function formatYuanGrouped(amount_fen: number): string {
  const [whole, decimals] = formatYuan(amount_fen).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${decimals}`;
}

/** Parses a 万元 figure as the report writes it ("12251.31") into fen. */
export function wan(text: string): number {
  return parseYuan(text) * 10_000;
}

/** A ratio as a percentage string with two decimals ("18.09"); null when the base is zero. */
export function percent(numerator_fen: number, base_fen: number): string | null {
  if (base_fen === 0) return null;
  // exact integer arithmetic on basis points of a percent, rounded half up
  const scaled = Math.round((numerator_fen * 10_000) / base_fen);
  return (scaled / 100).toFixed(2);
}

/** Where money can sit (资金所在单位) and the kind of place it is (层级). */

export const LEVELS = ['city-finance', 'county-finance', 'department', 'park', 'enterprise', 'pool'] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_NAMES: Record<Level, { zh: string; en: string }> = {
  'city-finance': { zh: '市财政局', en: 'city finance bureau' },
  'county-finance': { zh: '旗县区财政局', en: 'county finance bureau' },
  department: { zh: '主管部门', en: 'department' },
  park: { zh: '园区管委会', en: 'park committee' },
  enterprise: { zh: '企业', en: 'enterprise' },
  pool: { zh: '统筹资金', en: 'general pool' },
};

/** An administrative division (旗县区): its 6-digit code and its name. */
export interface County {
  readonly code: string;
  readonly name: string;
}

export interface Holder {
  readonly holderId: string;
  readonly name: string;
  readonly nameEn?: string;
  readonly level: Level;
  readonly county?: County;
  /** 统一社会信用代码, for enterprises. */
  readonly creditCode?: string;
}

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** 18 characters: digits and upper-case letters without I, O, S, V, Z (GB 32100-2015). */
export const CREDIT_CODE_PATTERN = /^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of a unified social credit code (its 18th character), per GB 32100-2015. */
export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let index = 0; index < 17; index++) {
    sum += CREDIT_CODE_ALPHABET.indexOf(first17[index]) * CREDIT_CODE_WEIGHTS[index];
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

export function isValidCreditCode(code: string): boolean {
  return CREDIT_CODE_PATTERN.test(code) && creditCodeCheckCharacter(code.slice(0, 17)) === code[17];
}

export const COUNTY_CODE_PATTERN = /^\d{6}$/;

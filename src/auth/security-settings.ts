/** The knobs of the security layer, from the configuration (see src/config.ts) or a test. */
import type { RateLimit } from './rate-limit';

export interface SecuritySettings {
  /** Origins allowed to call the API from a browser; empty: CORS closed. */
  corsOrigins: string[];
  loginRate: RateLimit;
  writeRate: RateLimit;
  /** The clock of rate limits (ms), injectable for tests. */
  nowMs: () => number;
}

export const SECURITY_SETTINGS = Symbol('SECURITY_SETTINGS');

export const LOGIN_PER_MINUTE_DEFAULT = 10;
export const WRITES_PER_MINUTE_DEFAULT = 600;

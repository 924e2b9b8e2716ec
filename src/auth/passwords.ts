/**
 * Passwords, hashed with Node's built-in scrypt (memory-hard; no native package to build).
 *
 * Cost: N = 2^17, r = 8, p = 1 — the OWASP password-storage minimum for scrypt. Each hash needs
 * 128 · N · r = 128 MiB of memory and about a quarter of a second of one core, which makes a
 * stolen table expensive to guess at on GPUs. At most HASHES_IN_FLIGHT_MAX hashes run at once
 * (256 MiB), so a burst of logins queues instead of exhausting memory; the login rate limit keeps
 * that queue short. The parameters are stored with every hash, so they can be raised later and old
 * hashes still verify.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** block size */
  r: number;
  /** parallelism */
  p: number;
}

export const SCRYPT_COST_DEFAULT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
export const PASSWORD_LENGTH_MIN = 12;
/** scrypt takes any length, but a bound keeps a 1 MB "password" from being hashed. */
export const PASSWORD_LENGTH_MAX = 256;
const HASHES_IN_FLIGHT_MAX = 2;

let inFlight = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (inFlight >= HASHES_IN_FLIGHT_MAX) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return withHashSlot(
    () =>
      new Promise((resolve, reject) =>
        scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
}

/** "scrypt$N$r$p$salt$key" (salt and key in base64url). */
export async function hashPassword(password: string, cost: ScryptCost = SCRYPT_COST_DEFAULT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A password problem in both languages, or undefined when it is acceptable. */
export function passwordProblem(password: unknown, username?: string): { zh: string; en: string } | undefined {
  if (typeof password !== 'string') return { zh: '密码必须是字符串', en: 'the password must be a string' };
  const length = [...password].length;
  if (length < PASSWORD_LENGTH_MIN) return { zh: `密码至少 ${PASSWORD_LENGTH_MIN} 个字符`, en: `the password needs at least ${PASSWORD_LENGTH_MIN} characters` };
  if (length > PASSWORD_LENGTH_MAX) return { zh: `密码最多 ${PASSWORD_LENGTH_MAX} 个字符`, en: `the password may have at most ${PASSWORD_LENGTH_MAX} characters` };
  if (username && password.toLowerCase().includes(username.toLowerCase())) return { zh: '密码不能包含用户名', en: 'the password must not contain the user name' };
  if (new Set(password).size < 5) return { zh: '密码过于简单', en: 'the password is too simple' };
  return undefined;
}

/** A random password for the demo user: 20 characters of base64url (120 bits). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

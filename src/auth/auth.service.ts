/**
 * Users, their tokens and the security log, in a small SQLite file of their own (`auth.db` in the
 * data dir), not in the event store:
 * - the event log holds money facts, hash-chained forever; sessions come and go by the thousand and
 *   must be revocable (a mutable fact), and a token hash has no business in a public audit chain;
 * - denied requests are logged here, so that an attacker's noise neither grows the ledger nor changes
 *   it (a refused request leaves the event store byte-for-byte unchanged, which the tests check);
 * - it works the same whichever event store is configured.
 * Tokens are 256 random bits, shown once and stored only as their SHA-256: a copy of this file lets
 * nobody in. No signing secret exists, so there is none to leak or rotate, and revocation is immediate.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuthError } from './auth-error';
import type { Identity } from './identity';
import { PASSWORD_LENGTH_MAX, SCRYPT_COST_DEFAULT, type ScryptCost, hashPassword, passwordProblem, randomPassword, verifyPassword } from './passwords';
import { COUNTY_ROLES, type Role, isRole } from './roles';

export interface AuthServiceOptions {
  /** Path of the SQLite file, or ':memory:'. */
  filename: string;
  clock?: () => Date;
  scryptCost?: ScryptCost;
  sessionTtlMinutes?: number;
  apiTokenTtlDaysMax?: number;
}

export interface NewUser {
  userId?: string;
  username: string;
  displayName?: string;
  role: Role;
  countyCode?: string;
  unitHolderId?: string;
  /** Absent: the user can use API tokens only (an integration). */
  password?: string;
  demo?: boolean;
}

export interface UserView {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  countyCode?: string;
  unitHolderId?: string;
  demo: boolean;
  disabledAt?: string;
  createdAt: string;
  createdBy: string;
}

export interface IssuedToken {
  /** The secret: shown once, never stored. */
  token: string;
  tokenId: string;
  kind: 'session' | 'api';
  expiresAt: string;
}

export interface SecurityLogEntry {
  kind: 'denied' | 'unauthenticated' | 'rate-limited' | 'login' | 'login-failed' | 'logout' | 'user-created' | 'user-disabled' | 'password-changed' | 'token-issued' | 'token-revoked';
  userId?: string;
  username?: string;
  role?: string;
  ip?: string;
  method?: string;
  path?: string;
  action?: string;
  status?: number;
  reason?: string;
}

interface UserRow {
  user_id: string;
  username: string;
  display_name: string;
  role: string;
  county_code: string | null;
  unit_holder_id: string | null;
  password_hash: string | null;
  is_demo: number;
  disabled_at: string | null;
  created_at: string;
  created_by: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  user_id        TEXT PRIMARY KEY,
  username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name   TEXT NOT NULL,
  role           TEXT NOT NULL,
  county_code    TEXT,
  unit_holder_id TEXT,
  password_hash  TEXT,
  is_demo        INTEGER NOT NULL DEFAULT 0,
  disabled_at    TEXT,
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  token_id   TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id    TEXT NOT NULL REFERENCES users(user_id),
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user_id);
CREATE TABLE IF NOT EXISTS security_log (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  at       TEXT NOT NULL,
  kind     TEXT NOT NULL,
  user_id  TEXT,
  username TEXT,
  role     TEXT,
  ip       TEXT,
  method   TEXT,
  path     TEXT,
  action   TEXT,
  status   INTEGER,
  reason   TEXT
);
`;

const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const COUNTY_PATTERN = /^\d{6}$/;
export const TOKEN_NAME_MAX = 100;
export const SESSION_TTL_MINUTES_DEFAULT = 8 * 60;
export const API_TOKEN_TTL_DAYS_MAX_DEFAULT = 365;
/** The security log keeps the newest rows only: an attack cannot fill the disk. */
export const SECURITY_LOG_ROWS_MAX = 1_000_000;
export const SECURITY_LOG_PAGE_MAX = 1_000;
const PRUNE_EVERY = 1_000;
/** Each user holds at most this many live tokens; the oldest session goes first. */
export const TOKENS_PER_USER_MAX = 100;
/** A path or reason in the log is cut to this length. */
const LOG_TEXT_MAX = 500;

export const DEMO_USERNAME = 'demo';

export class AuthService {
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly scryptCost: ScryptCost;
  readonly sessionTtlMinutes: number;
  readonly apiTokenTtlDaysMax: number;
  private dummyHash?: Promise<string>;
  private logInserts = 0;

  constructor(options: AuthServiceOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.clock = options.clock ?? (() => new Date());
    this.scryptCost = options.scryptCost ?? SCRYPT_COST_DEFAULT;
    this.sessionTtlMinutes = options.sessionTtlMinutes ?? SESSION_TTL_MINUTES_DEFAULT;
    this.apiTokenTtlDaysMax = options.apiTokenTtlDaysMax ?? API_TOKEN_TTL_DAYS_MAX_DEFAULT;
  }

  private now(): string {
    return this.clock().toISOString();
  }

  // ---------------------------------------------------------------------------------------------
  // users

  async createUser(input: NewUser, createdBy: string): Promise<UserView> {
    const problems = userProblems(input);
    if (problems) throw new AuthError(400, 'bad-user', problems.zh, problems.en);
    if (input.password !== undefined) {
      const problem = passwordProblem(input.password, input.username);
      if (problem) throw new AuthError(400, 'weak-password', problem.zh, problem.en);
    }
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password, this.scryptCost);
    const userId = input.userId ?? `u-${randomUUID()}`;
    try {
      this.db
        .prepare(
          'INSERT INTO users (user_id, username, display_name, role, county_code, unit_holder_id, password_hash, is_demo, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(userId, input.username, input.displayName ?? input.username, input.role, input.countyCode ?? null, input.unitHolderId ?? null, passwordHash, input.demo ? 1 : 0, this.now(), createdBy);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new AuthError(409, 'duplicate-user', `用户 ${input.username} 已存在`, `the user ${input.username} already exists`);
      }
      throw error;
    }
    this.log({ kind: 'user-created', userId, username: input.username, role: input.role, reason: `by ${createdBy}` });
    return this.requireUser(userId);
  }

  async setPassword(userId: string, password: string, by: string): Promise<void> {
    const user = this.requireUser(userId);
    const problem = passwordProblem(password, user.username);
    if (problem) throw new AuthError(400, 'weak-password', problem.zh, problem.en);
    const hash = await hashPassword(password, this.scryptCost);
    this.db.prepare('UPDATE users SET password_hash = ? WHERE user_id = ?').run(hash, userId);
    this.log({ kind: 'password-changed', userId, username: user.username, reason: `by ${by}` });
  }

  /** Disables the user and revokes every token of theirs at once. */
  disableUser(userId: string, by: string): UserView {
    const user = this.requireUser(userId);
    const now = this.now();
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE user_id = ?').run(now, userId);
      this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, userId);
    })();
    this.log({ kind: 'user-disabled', userId, username: user.username, reason: `by ${by}` });
    return this.requireUser(userId);
  }

  listUsers(): UserView[] {
    return this.db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, username').all().map(toUserView);
  }

  findUser(userIdOrName: string): UserView | undefined {
    const row = this.db.prepare<[string, string], UserRow>('SELECT * FROM users WHERE user_id = ? OR username = ?').get(userIdOrName, userIdOrName);
    return row ? toUserView(row) : undefined;
  }

  requireUser(userIdOrName: string): UserView {
    const user = this.findUser(userIdOrName);
    if (!user) throw new AuthError(404, 'not-found', `用户 ${userIdOrName} 不存在`, `user ${userIdOrName} not found`);
    return user;
  }

  /** An enabled administrator that is not the demo user: what production needs before it starts. */
  hasRealAdmin(): boolean {
    return Boolean(this.db.prepare("SELECT 1 FROM users WHERE role = 'admin' AND is_demo = 0 AND disabled_at IS NULL LIMIT 1").get());
  }

  enabledDemoUser(): UserView | undefined {
    const row = this.db.prepare<[], UserRow>('SELECT * FROM users WHERE is_demo = 1 AND disabled_at IS NULL LIMIT 1').get();
    return row ? toUserView(row) : undefined;
  }

  /**
   * The demo user of the embedded default: created when missing, given a fresh random password at
   * every start (the caller prints it once; only its hash is kept).
   */
  async ensureDemoUser(): Promise<{ user: UserView; password: string }> {
    const password = randomPassword();
    const existing = this.findUser(DEMO_USERNAME);
    if (existing && !existing.demo) throw new AuthError(409, 'duplicate-user', `已有名为 ${DEMO_USERNAME} 的正式用户`, `a real user named ${DEMO_USERNAME} exists`);
    if (!existing) {
      const user = await this.createUser({ userId: 'demo', username: DEMO_USERNAME, displayName: '演示用户 / demo user', role: 'admin', password, demo: true }, 'npm start');
      return { user, password };
    }
    const hash = await hashPassword(password, this.scryptCost);
    this.db.prepare('UPDATE users SET password_hash = ?, disabled_at = NULL WHERE user_id = ?').run(hash, existing.userId);
    return { user: this.requireUser(existing.userId), password };
  }

  // ---------------------------------------------------------------------------------------------
  // sessions and tokens

  /** Signs in; the same answer for an unknown user and a wrong password, after the same work. */
  async login(username: unknown, password: unknown, meta: { ip?: string } = {}): Promise<IssuedToken & { user: UserView }> {
    const name = typeof username === 'string' && username.length <= 64 ? username : '';
    const row = name ? this.db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?').get(name) : undefined;
    const given = typeof password === 'string' && password.length <= PASSWORD_LENGTH_MAX * 4 ? password : '';
    const ok = row?.password_hash ? await verifyPassword(given, row.password_hash) : (await verifyPassword(given, await this.dummy()), false);
    if (!row || !ok || row.disabled_at) {
      this.log({ kind: 'login-failed', username: name.slice(0, 64) || undefined, ip: meta.ip, status: 401 });
      throw new AuthError(401, 'bad-credentials', '用户名或密码错误，或账户已停用', 'wrong user name or password, or the account is disabled');
    }
    const issued = this.issueToken(row.user_id, 'session', 'login', this.sessionTtlMinutes * 60_000);
    this.log({ kind: 'login', userId: row.user_id, username: row.username, role: row.role, ip: meta.ip });
    return { ...issued, user: toUserView(row) };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomPassword(), this.scryptCost);
    return this.dummyHash;
  }

  issueToken(userId: string, kind: 'session' | 'api', name: string, ttlMs: number): IssuedToken {
    const user = this.requireUser(userId);
    if (user.disabledAt) throw new AuthError(403, 'user-disabled', '账户已停用', 'the account is disabled');
    if (typeof name !== 'string' || name.length === 0 || name.length > TOKEN_NAME_MAX) {
      throw new AuthError(400, 'bad-request', `令牌名称须为 1–${TOKEN_NAME_MAX} 个字符`, `a token name has 1–${TOKEN_NAME_MAX} characters`);
    }
    const token = `ft_${randomBytes(32).toString('base64url')}`;
    const tokenId = `t-${randomUUID()}`;
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO tokens (token_id, token_hash, user_id, kind, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(tokenId, hashToken(token), userId, kind, name, now.toISOString(), expiresAt);
      // bounded: the oldest live tokens beyond the limit are revoked
      this.db
        .prepare(
          `UPDATE tokens SET revoked_at = ? WHERE token_id IN (
             SELECT token_id FROM tokens WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC LIMIT -1 OFFSET ?)`,
        )
        .run(now.toISOString(), userId, now.toISOString(), TOKENS_PER_USER_MAX);
    })();
    if (kind === 'api') this.log({ kind: 'token-issued', userId, username: user.username, role: user.role, reason: `${tokenId} ${name}` });
    return { token, tokenId, kind, expiresAt };
  }

  issueApiToken(userId: string, name: string, days: number): IssuedToken {
    if (!Number.isInteger(days) || days < 1 || days > this.apiTokenTtlDaysMax) {
      throw new AuthError(400, 'bad-request', `有效期须为 1–${this.apiTokenTtlDaysMax} 天`, `expiry must be 1–${this.apiTokenTtlDaysMax} days`);
    }
    return this.issueToken(userId, 'api', name, days * 86_400_000);
  }

  /** The identity behind a bearer token, or undefined if it is unknown, expired, revoked or its user disabled. */
  authenticate(token: string | undefined): Identity | undefined {
    if (!token || token.length > 200 || !token.startsWith('ft_')) return undefined;
    const row = this.db
      .prepare<[string], UserRow & { token_id: string; kind: string; expires_at: string; revoked_at: string | null }>(
        'SELECT u.*, t.token_id, t.kind, t.expires_at, t.revoked_at FROM tokens t JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = ?',
      )
      .get(hashToken(token));
    if (!row || row.revoked_at || row.disabled_at || row.expires_at <= this.now() || !isRole(row.role)) return undefined;
    return {
      userId: row.user_id,
      username: row.username,
      displayName: row.display_name,
      role: row.role,
      ...(row.county_code ? { countyCode: row.county_code } : {}),
      ...(row.unit_holder_id ? { unitHolderId: row.unit_holder_id } : {}),
      tokenId: row.token_id,
      tokenKind: row.kind === 'api' ? 'api' : 'session',
    };
  }

  listTokens(userId: string): Array<{ tokenId: string; kind: string; name: string; createdAt: string; expiresAt: string; revokedAt?: string }> {
    return this.db
      .prepare<[string], { token_id: string; kind: string; name: string; created_at: string; expires_at: string; revoked_at: string | null }>(
        'SELECT token_id, kind, name, created_at, expires_at, revoked_at FROM tokens WHERE user_id = ? ORDER BY created_at DESC LIMIT 1000',
      )
      .all(userId)
      .map((row) => ({ tokenId: row.token_id, kind: row.kind, name: row.name, createdAt: row.created_at, expiresAt: row.expires_at, ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}) }));
  }

  /** Revokes a token; only its owner or an administrator may. */
  revokeToken(tokenId: string, by: Identity): void {
    const row = this.db.prepare<[string], { user_id: string; kind: string }>('SELECT user_id, kind FROM tokens WHERE token_id = ?').get(tokenId);
    if (!row || (row.user_id !== by.userId && by.role !== 'admin')) {
      throw new AuthError(404, 'not-found', `令牌 ${tokenId} 不存在`, `token ${tokenId} not found`);
    }
    this.db.prepare('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE token_id = ?').run(this.now(), tokenId);
    this.log({ kind: row.kind === 'session' && tokenId === by.tokenId ? 'logout' : 'token-revoked', userId: by.userId, username: by.username, role: by.role, reason: tokenId });
  }

  // ---------------------------------------------------------------------------------------------
  // the security log

  log(entry: SecurityLogEntry): void {
    const cut = (text?: string) => (text === undefined ? null : text.slice(0, LOG_TEXT_MAX));
    this.db
      .prepare('INSERT INTO security_log (at, kind, user_id, username, role, ip, method, path, action, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(this.now(), entry.kind, cut(entry.userId), cut(entry.username), cut(entry.role), cut(entry.ip), cut(entry.method), cut(entry.path), cut(entry.action), entry.status ?? null, cut(entry.reason));
    if (++this.logInserts % PRUNE_EVERY === 0) {
      this.db.prepare('DELETE FROM security_log WHERE id <= (SELECT MAX(id) FROM security_log) - ?').run(SECURITY_LOG_ROWS_MAX);
    }
  }

  /** Newest first; `before` pages back by id. */
  securityLog(options: { limit?: number; before?: number; kind?: string } = {}): Array<SecurityLogEntry & { id: number; at: string }> {
    const limit = Math.max(1, Math.min(options.limit ?? 100, SECURITY_LOG_PAGE_MAX));
    const rows = this.db
      .prepare<[number, string | null, string | null, number], Record<string, unknown>>(
        'SELECT * FROM security_log WHERE id < ? AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?',
      )
      .all(options.before ?? Number.MAX_SAFE_INTEGER, options.kind ?? null, options.kind ?? null, limit);
    return rows.map((row) => {
      const entry: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) {
        if (value !== null) entry[key.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase())] = value;
      }
      return entry as unknown as SecurityLogEntry & { id: number; at: string };
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toUserView(row: UserRow): UserView {
  return {
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as Role,
    ...(row.county_code ? { countyCode: row.county_code } : {}),
    ...(row.unit_holder_id ? { unitHolderId: row.unit_holder_id } : {}),
    demo: row.is_demo === 1,
    ...(row.disabled_at ? { disabledAt: row.disabled_at } : {}),
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** A user's scope must fit their role: county roles name a county and their unit, owners their enterprise. */
export function userProblems(input: NewUser): { zh: string; en: string } | undefined {
  if (typeof input.username !== 'string' || !USERNAME_PATTERN.test(input.username)) {
    return { zh: '用户名须为 2–64 个字母、数字或 . _ @ -', en: 'a user name has 2–64 letters, digits or . _ @ -' };
  }
  if (input.userId !== undefined && !ID_PATTERN.test(input.userId)) return { zh: '用户编号格式无效', en: 'invalid user id' };
  if (input.displayName !== undefined && (typeof input.displayName !== 'string' || input.displayName.length > 200)) {
    return { zh: '姓名最多 200 个字符', en: 'a display name has at most 200 characters' };
  }
  if (!isRole(input.role)) return { zh: `未知角色 ${String(input.role)}`, en: `unknown role ${String(input.role)}` };
  if (input.countyCode !== undefined && !COUNTY_PATTERN.test(input.countyCode)) return { zh: '旗县区代码须为6位数字', en: 'a county code has 6 digits' };
  if (input.unitHolderId !== undefined && !ID_PATTERN.test(input.unitHolderId)) return { zh: '单位编号格式无效', en: 'invalid unit holder id' };
  if (COUNTY_ROLES.has(input.role) && (!input.countyCode || !input.unitHolderId)) {
    return { zh: '旗县区用户必须指定旗县区代码和所在单位', en: 'county users need a county code and their unit holder id' };
  }
  if (input.role === 'project-owner' && !input.unitHolderId) return { zh: '项目单位用户必须指定企业单位编号', en: 'a project owner needs the holder id of their enterprise' };
  if (['admin', 'auditor', 'public'].includes(input.role) && (input.countyCode || input.unitHolderId)) {
    return { zh: `角色 ${input.role} 不限于某个旗县区或单位`, en: `the role ${input.role} is not scoped to a county or unit` };
  }
  return undefined;
}

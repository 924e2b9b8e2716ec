/**
 * Leases: "only one instance at a time does X" among several app instances sharing a store and a read model
 * (each projection is fed by exactly one instance at a time).
 *
 * - PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) per name, on a dedicated connection
 *   that does nothing else. The lock lives exactly as long as that connection: an instance that stops, crashes
 *   or loses its network loses the lock at once, and another instance's next `acquire` gets it.
 * - SQLite (one machine, several processes on one read-model file): a lease row (name, owner, expiry) in the
 *   read-model database, taken when free or expired and pushed forward by `renew`. A crashed holder's lease
 *   frees itself after `ttlMs`.
 *
 * Fencing: a holder that stalls (a long pause, a cut connection) may lose its lease without noticing before its
 * next write. `fence(name)` is a statement to run INSIDE the write transaction: it fails (and so rolls the
 * write back) unless this holder still holds the lease at that moment.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Client } from 'pg';

export interface Lease {
  /** This holder's id (for messages and the SQLite owner column). */
  readonly owner: string;
  /** Takes the lease if it is free (or expired); true when this holder has it now (also when it had it already). */
  acquire(name: string): Promise<boolean>;
  /** Keeps a held lease; false when it was lost (expired and taken, or the PostgreSQL session ended). */
  renew(name: string): Promise<boolean>;
  /** How often a holder must renew to keep its leases (undefined: they do not expire while held). */
  readonly renewEveryMs?: number;
  /** Gives it up (no-op when not held). */
  release(name: string): Promise<void>;
  /** A statement with `?` placeholders that fails unless this holder holds `name` when it runs (see the header). */
  fence(name: string): { sql: string; params: unknown[] };
  /** This holder's fences as data, for another thread writing under its leases (BorrowedLease); undefined: none. */
  fences?(): FenceSpec | undefined;
  /** Releases everything and closes the lease's own connection. */
  close(): Promise<void>;
}

/** Raised by `fence` when this instance no longer holds the lease; the write it guarded was rolled back. */
export const LEASE_LOST_MESSAGE = 'fundtrail: lease lost';

/**
 * What a fence checks, as plain data (it crosses to a worker thread): the SQLite lease row's owner, or the
 * PostgreSQL session that holds the advisory lock. `fenceOf` turns it into the statement.
 */
export type FenceSpec = { kind: 'sqlite'; owner: string } | { kind: 'postgres'; backendPid: number };

export function fenceOf(spec: FenceSpec, name: string, now = Date.now()): { sql: string; params: unknown[] } {
  if (spec.kind === 'postgres') {
    // 1 / 0 raises division_by_zero: the write transaction fails unless our lease session still holds the lock
    // (the divisor is computed at run time; a literal 1/0 would be folded, and raised, when planning)
    return { sql: `SELECT 1 / (${advisoryHeldSql('?', '?', '?')})::int`, params: [spec.backendPid, ADVISORY_NAMESPACE, name] };
  }
  // json() of a non-JSON text raises "malformed JSON": the write transaction fails unless the lease is ours and alive
  return {
    sql: `SELECT CASE WHEN EXISTS (SELECT 1 FROM "${SQLITE_LEASE_TABLE}" WHERE name = ? AND owner = ? AND expires_at > ?) THEN 1 ELSE json('${LEASE_LOST_MESSAGE}') END`,
    params: [name, spec.owner, now],
  };
}

/** Whether the backend `pid` holds the advisory lock (namespace, hashtext(name)): two-int locks have objsubid 2. */
function advisoryHeldSql(pid: string, namespace: string, name: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = ${pid}::int
      AND classid = (${namespace}::int)::oid AND objid = (hashtext(${name}))::oid AND objsubid = 2)`;
}

/**
 * The leases of a holder in another thread of the same process (a projection caught up on a worker thread): the
 * holder takes and renews them; the borrower only fences its writes with the holder's fences, so a write lands only
 * while the holder still holds the lease.
 */
export class BorrowedLease implements Lease {
  readonly owner: string;
  constructor(private readonly spec: FenceSpec) {
    this.owner = spec.kind === 'sqlite' ? spec.owner : `pg-session:${spec.backendPid}`;
  }
  async acquire(): Promise<boolean> {
    return true;
  }
  async renew(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
  fence(name: string): { sql: string; params: unknown[] } {
    return fenceOf(this.spec, name);
  }
  fences(): FenceSpec {
    return this.spec;
  }
  async close(): Promise<void> {}
}

// ------------------------------------------------------------------------------------------------
// PostgreSQL: advisory locks

/** Advisory lock keys: one namespace for Fundtrail's leases, and a hash of the name. */
const ADVISORY_NAMESPACE = 0x46_54_4c_53 | 0; // 'FTLS'

export class PostgresLease implements Lease {
  readonly owner = randomUUID();
  private client: Client | undefined;
  private backendPid = 0;
  private readonly held = new Set<string>();
  private connecting: Promise<Client> | undefined;

  constructor(private readonly options: { connectionString: string; connectTimeoutMs?: number }) {}

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = new Client({
        connectionString: this.options.connectionString,
        connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000,
        application_name: 'fundtrail-lease',
        keepAlive: true,
      });
      const lost = () => {
        // the server released every advisory lock of this session with it
        if (this.client === client) this.client = undefined;
        this.held.clear();
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
        this.backendPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      } catch (error) {
        client.end().catch(() => undefined);
        throw error;
      } finally {
        this.connecting = undefined;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  async acquire(name: string): Promise<boolean> {
    if (this.held.has(name) && (await this.renew(name))) return true;
    const client = await this.connection();
    const rows = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok', [ADVISORY_NAMESPACE, name])).rows;
    if (rows[0].ok) this.held.add(name);
    return rows[0].ok;
  }

  async renew(name: string): Promise<boolean> {
    if (!this.held.has(name) || !this.client) return false;
    try {
      const rows = (await this.client.query<{ ok: boolean }>(`SELECT ${advisoryHeldSql('$1', '$2', '$3')} AS ok`, [this.backendPid, ADVISORY_NAMESPACE, name])).rows;
      if (!rows[0].ok) this.held.delete(name);
      return rows[0].ok;
    } catch {
      this.held.clear();
      return false;
    }
  }

  async release(name: string): Promise<void> {
    if (!this.held.delete(name) || !this.client) return;
    await this.client.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [ADVISORY_NAMESPACE, name]).catch(() => undefined);
  }

  fence(name: string): { sql: string; params: unknown[] } {
    return fenceOf({ kind: 'postgres', backendPid: this.backendPid }, name);
  }

  /** Undefined before the lease's session is connected (no lease held yet). */
  fences(): FenceSpec | undefined {
    return this.client ? { kind: 'postgres', backendPid: this.backendPid } : undefined;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    // ending the session releases its advisory locks
    await client?.end().catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------------------
// SQLite: a lease row with an expiry

export const SQLITE_LEASE_TABLE = 'pj_lease';

export class SqliteLease implements Lease {
  readonly owner: string;
  readonly renewEveryMs: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database.Database,
    options: { ttlMs?: number; owner?: string; now?: () => number } = {},
  ) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID()}`;
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS_DEFAULT;
    this.renewEveryMs = Math.floor(this.ttlMs / 3);
    this.now = options.now ?? Date.now;
    db.exec(`CREATE TABLE IF NOT EXISTS "${SQLITE_LEASE_TABLE}" (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`);
  }

  async acquire(name: string): Promise<boolean> {
    const now = this.now();
    const taken = this.db
      .prepare(
        `INSERT INTO "${SQLITE_LEASE_TABLE}" (name, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE "${SQLITE_LEASE_TABLE}".owner = excluded.owner OR "${SQLITE_LEASE_TABLE}".expires_at <= ?`,
      )
      .run(name, this.owner, now + this.ttlMs, now);
    if (taken.changes === 1) return true;
    // a holder on this machine whose process is gone (killed) will never renew: take its lease without waiting
    const row = this.db.prepare<[string], { owner: string }>(`SELECT owner FROM "${SQLITE_LEASE_TABLE}" WHERE name = ?`).get(name);
    if (!row || !ownerIsDeadHere(row.owner)) return false;
    const stolen = this.db
      .prepare(`UPDATE "${SQLITE_LEASE_TABLE}" SET owner = ?, expires_at = ? WHERE name = ? AND owner = ?`)
      .run(this.owner, now + this.ttlMs, name, row.owner);
    return stolen.changes === 1;
  }

  async renew(name: string): Promise<boolean> {
    const now = this.now();
    const renewed = this.db
      .prepare(`UPDATE "${SQLITE_LEASE_TABLE}" SET expires_at = ? WHERE name = ? AND owner = ? AND expires_at > ?`)
      .run(now + this.ttlMs, name, this.owner, now);
    return renewed.changes === 1;
  }

  async release(name: string): Promise<void> {
    this.db.prepare(`DELETE FROM "${SQLITE_LEASE_TABLE}" WHERE name = ? AND owner = ?`).run(name, this.owner);
  }

  fence(name: string): { sql: string; params: unknown[] } {
    return fenceOf({ kind: 'sqlite', owner: this.owner }, name, this.now());
  }

  fences(): FenceSpec {
    return { kind: 'sqlite', owner: this.owner };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.prepare(`DELETE FROM "${SQLITE_LEASE_TABLE}" WHERE owner = ?`).run(this.owner);
  }
}

/** An owner id `host:pid:uuid` of this machine whose process no longer exists. */
function ownerIsDeadHere(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The leases of a set of keys under one prefix (the projection runner: one lease per projection name). `take`
 * acquires or renews each and tells which are held now and which were gained since the last call: a gained
 * one's state in memory may be stale (another instance fed it meanwhile) and must be reloaded.
 */
export class LeaseGroup {
  private held = new Set<string>();

  constructor(
    readonly lease: Lease,
    private readonly prefix: string,
  ) {}

  private nameOf(key: string): string {
    return `${this.prefix}${key}`;
  }

  async take(keys: readonly string[]): Promise<{ held: Set<string>; gained: string[] }> {
    const held = new Set<string>();
    const gained: string[] = [];
    for (const key of keys) {
      if (!(await this.lease.acquire(this.nameOf(key)))) continue;
      held.add(key);
      if (!this.held.has(key)) gained.push(key);
    }
    this.held = held;
    return { held, gained };
  }

  holds(key: string): boolean {
    return this.held.has(key);
  }

  /** How often the holder must renew (see Lease.renewEveryMs). */
  get renewEveryMs(): number | undefined {
    return this.lease.renewEveryMs;
  }

  /** Renews the held leases among `keys`; returns those that were lost (no longer held). */
  async renew(keys: readonly string[]): Promise<string[]> {
    const lost: string[] = [];
    for (const key of keys) {
      if (!this.held.has(key)) continue;
      if (await this.lease.renew(this.nameOf(key))) continue;
      this.held.delete(key);
      lost.push(key);
    }
    return lost;
  }

  fence(key: string): { sql: string; params: unknown[] } {
    return this.lease.fence(this.nameOf(key));
  }

  /** What a worker thread needs to fence its writes under these leases (`LeaseGroup.borrowed`). */
  lend(): { fences: FenceSpec; prefix: string } | undefined {
    const fences = this.lease.fences?.();
    return fences ? { fences, prefix: this.prefix } : undefined;
  }

  /** The leases of a holder in another thread (see BorrowedLease), under its prefix. */
  static borrowed(lent: { fences: FenceSpec; prefix: string }): LeaseGroup {
    return new LeaseGroup(new BorrowedLease(lent.fences), lent.prefix);
  }

  async releaseAll(): Promise<void> {
    for (const key of this.held) await this.lease.release(this.nameOf(key));
    this.held.clear();
  }
}

/** How long a SQLite lease lasts without renewal; holders renew every third of it. */
export const LEASE_TTL_MS_DEFAULT = 15_000;

/**
 * The PostgreSQL adapter (`pg` Pool). One schema holds four tables: `events` (the log), `streams` (one head
 * row per stream: its last version and hash), `idempotency` (one row per command key) and `log_head` (the
 * global position counter, one row).
 *
 * An append is one transaction: idempotency key first (INSERT … ON CONFLICT DO NOTHING), then the stream head
 * row is locked (INSERT … ON CONFLICT DO UPDATE, which takes the row lock) and the expected version checked
 * against it, so concurrent writers on one stream are serialised and the losers see the winner's version.
 * Then positions are taken from the counter row, the events inserted, the head moved, NOTIFY sent, COMMIT.
 * Locks are always taken in this order (key, stream, counter), so appends cannot deadlock one another.
 */
import { Client, Pool, type PoolClient } from 'pg';
import { chain } from './hash-chain';
import { createWaker, pollingSubscription, SUBSCRIPTION_POLL_MS } from './polling-subscription';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type IdempotencyRecord,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  EventStoreUnavailableError,
  IdempotencyReplayError,
  READ_BATCH_MAX,
  WrongExpectedVersionError,
  versionMatches,
} from './event-store.port';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the tables, created on start if missing. Default 'public'. */
  schema?: string;
  /** Pool size. Default 10. */
  poolSize?: number;
  /** How long to wait for a connection before the store is declared unavailable. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** Polling period of subscriptions; NOTIFY wakes them sooner. */
  pollMs?: number;
}

interface EventRow {
  position: string;
  stream_id: string;
  version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  prev_hash: string;
  hash: string;
}

const EVENT_COLUMNS = 'position, stream_id, version, event_id, type, data, metadata, prev_hash, hash';
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const LISTENER_RECONNECT_MS_MAX = 5_000;
const VERSION_MAX = 2_147_483_647;

function schemaSql(schema: string): string {
  const s = `"${schema}"`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.events (
  position    bigint      PRIMARY KEY,
  stream_id   text        NOT NULL,
  version     integer     NOT NULL,
  event_id    text        NOT NULL,
  type        text        NOT NULL,
  data        jsonb       NOT NULL,
  metadata    jsonb       NOT NULL,
  prev_hash   text        NOT NULL,
  hash        text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_event_id_unique UNIQUE (event_id),
  CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version),
  CONSTRAINT events_position_positive CHECK (position > 0),
  CONSTRAINT events_version_not_negative CHECK (version >= 0)
);
CREATE TABLE IF NOT EXISTS ${s}.streams (
  stream_id text    PRIMARY KEY,
  version   integer NOT NULL,
  last_hash text    NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.idempotency (
  key          text        PRIMARY KEY,
  request_hash text        NOT NULL,
  response     jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${s}.log_head (
  id       boolean PRIMARY KEY DEFAULT true CHECK (id),
  position bigint  NOT NULL
);
INSERT INTO ${s}.log_head (id, position) SELECT true, coalesce(max(position), 0) FROM ${s}.events ON CONFLICT (id) DO NOTHING;
`;
}

export class PostgresEventStore implements EventStore {
  readonly name = 'postgres';
  readonly schema: string;
  private readonly pool: Pool;
  private readonly waker = createWaker();
  private readonly where: string;
  private readonly channel: string;
  private readonly sql: ReturnType<typeof statements>;
  private readonly subscriptions = new Set<Subscription>();
  private listener: Client | undefined;
  private listenerWanted = false;
  private listenerRetryMs = 100;
  private listenerTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(this.schema)) throw new Error(`postgres event store: schema name ${JSON.stringify(this.schema)} is not a plain identifier`);
    this.where = describeServer(options.connectionString);
    this.channel = `fundtrail_events_${this.schema}`.slice(0, 63);
    this.sql = statements(`"${this.schema}"`);
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'fundtrail-event-store',
    });
    // A connection that dies while idle (or between two queries of a checked-out client) emits 'error';
    // without a listener that would crash the process. The next query on the pool reports it instead.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** Opens a store: connects and creates the schema if missing. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    try {
      await store.start();
    } catch (error) {
      await store.pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** Creates the schema (idempotent; concurrent starts are serialised by an advisory lock). */
  async start(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fundtrail-event-store-schema:${this.schema}`]);
      await client.query(schemaSql(this.schema));
    }, 'connecting and creating the schema');
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const client = await this.connect('appending');
    let stage = 'begin';
    let releaseError: Error | undefined;
    try {
      await client.query('BEGIN');
      stage = 'idempotency';
      if (options.idempotency) {
        const { key, requestHash, response } = options.idempotency;
        const inserted = await client.query({ name: 'fundtrail_claim_key', text: this.sql.claimKey, values: [key, requestHash, JSON.stringify(response ?? null)] });
        if (inserted.rowCount === 0) {
          const existing = await client.query<{ key: string; request_hash: string; response: unknown }>(this.sql.findKey, [key]);
          await client.query('ROLLBACK');
          throw new IdempotencyReplayError(toIdempotency(existing.rows[0]));
        }
      }
      stage = 'stream head';
      const head = (await client.query<{ version: number; last_hash: string }>({ name: 'fundtrail_lock_head', text: this.sql.lockHead, values: [streamId] })).rows[0];
      if (!versionMatches(options.expectedVersion, head.version)) {
        await client.query('ROLLBACK');
        const replay = await this.replayedAppend(client, streamId, events);
        if (replay) return replay;
        throw new WrongExpectedVersionError(streamId, options.expectedVersion, head.version);
      }
      if (events.length === 0) {
        await client.query('COMMIT');
        return { streamId, nextExpectedVersion: head.version, events: [] };
      }
      const chained = chain(streamId, head.version + 1, head.last_hash, events);
      const last = chained[chained.length - 1];
      if (last.version > VERSION_MAX) throw new Error(`stream ${streamId} would pass version ${VERSION_MAX}`);
      stage = 'insert';
      const inserted = await client.query<{ base: string }>({ name: 'fundtrail_insert_events', text: this.sql.insertEvents, values: [
        chained.length,
        streamId,
        chained.map((event) => event.version),
        chained.map((event) => event.eventId),
        chained.map((event) => event.type),
        chained.map((event) => JSON.stringify(event.data)),
        chained.map((event) => JSON.stringify(event.metadata)),
        chained.map((event) => event.prevHash),
        chained.map((event) => event.hash),
        last.version,
        last.hash,
        this.channel,
      ] });
      const base = Number(inserted.rows[0].base);
      stage = 'commit';
      await client.query('COMMIT');
      this.waker.wake();
      const recorded = chained.map((event, index) => ({ ...event, streamId, position: base + index + 1 }));
      return { streamId, nextExpectedVersion: last.version, events: recorded };
    } catch (error) {
      if (error instanceof IdempotencyReplayError || error instanceof WrongExpectedVersionError) throw error;
      if (isConnectionError(error)) releaseError = error as Error;
      else await client.query('ROLLBACK').catch((rollbackError: Error) => (releaseError = rollbackError));
      if (isEventIdConflict(error)) {
        // A retry whose version check passes ('any', 'stream-exists') only shows as a duplicate event id.
        const replay = await this.replayedAppend(client, streamId, events).catch(() => undefined);
        if (replay) return replay;
        throw new Error(`an event id of this append is already in another stream or position: ${(error as Error).message}`);
      }
      if (stage === 'commit' && isConnectionError(error)) {
        throw this.unavailable(
          `connection lost during COMMIT of an append to ${streamId}; it may or may not have been written, retrying it with the same event ids is safe`,
          error,
        );
      }
      throw this.translate(error, `appending to ${streamId} (${stage}); nothing was written`);
    } finally {
      client.release(releaseError);
    }
  }

  /** A retried append of events already in the stream (same ids, consecutive versions) answers the first result. */
  private async replayedAppend(client: PoolClient, streamId: string, events: NewEvent[]): Promise<AppendResult | undefined> {
    if (events.length === 0) return undefined;
    const rows = (await client.query<EventRow>(this.sql.byEventIds, [events.map((event) => event.eventId)])).rows;
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    const ordered = events.map((event) => byId.get(event.eventId));
    if (ordered.some((row) => !row || row.stream_id !== streamId)) return undefined;
    for (let index = 1; index < ordered.length; index++) if (ordered[index]!.version !== ordered[0]!.version + index) return undefined;
    const recorded = ordered.map((row) => toRecorded(row!));
    return { streamId, nextExpectedVersion: recorded[recorded.length - 1].version, events: recorded };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? null;
    const rows =
      options.direction === 'backwards'
        ? await this.query<EventRow>(this.sql.readBackwards, [streamId, options.fromVersion ?? VERSION_MAX, limit], `reading ${streamId}`)
        : await this.query<EventRow>(this.sql.readForwards, [streamId, options.fromVersion ?? 0, limit], `reading ${streamId}`);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = Math.min(options.limit ?? READ_BATCH_MAX, READ_BATCH_MAX);
    const rows =
      options.direction === 'backwards'
        ? await this.query<EventRow>(this.sql.allBackwards, [options.after ?? Number.MAX_SAFE_INTEGER, limit], 'reading all')
        : await this.query<EventRow>(this.sql.allForwards, [options.after ?? 0, limit], 'reading all');
    const events = rows.map(toRecorded);
    assertOrdered(events, options.direction === 'backwards');
    return events;
  }

  async headPosition(): Promise<number> {
    const rows = await this.query<{ position: string }>(this.sql.headPosition, [], 'reading the head position');
    return Number(rows[0].position);
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.ensureListener();
    const inner = pollingSubscription((read) => this.readAll(read), this.waker, options, this.options.pollMs ?? SUBSCRIPTION_POLL_MS);
    const subscription: Subscription = {
      close: async () => {
        this.subscriptions.delete(subscription);
        await inner.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const rows = await this.query<{ key: string; request_hash: string; response: unknown }>(this.sql.findKey, [key], 'reading an idempotency key');
    return rows[0] ? toIdempotency(rows[0]) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.listenerWanted = false;
    if (this.listenerTimer) clearTimeout(this.listenerTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  // ----------------------------------------------------------------------------------------------
  // LISTEN/NOTIFY: only a wake-up. Subscriptions poll anyway, so a lost listener costs latency, not events.

  private ensureListener(): void {
    if (this.listenerWanted || this.closed) return;
    this.listenerWanted = true;
    void this.connectListener();
  }

  private async connectListener(): Promise<void> {
    if (!this.listenerWanted || this.closed) return;
    const client = new Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000 });
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      this.scheduleListener();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.waker.wake());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      client.end().catch(() => undefined);
      this.scheduleListener();
      return;
    }
    if (!this.listenerWanted || this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    this.listenerRetryMs = 100;
    this.waker.wake(); // events committed while we were not listening
  }

  private scheduleListener(): void {
    if (!this.listenerWanted || this.closed) return;
    this.listenerTimer = setTimeout(() => void this.connectListener(), this.listenerRetryMs);
    this.listenerTimer.unref();
    this.listenerRetryMs = Math.min(this.listenerRetryMs * 2, LISTENER_RECONNECT_MS_MAX);
  }

  // ----------------------------------------------------------------------------------------------

  private async connect(doing: string): Promise<PoolClient> {
    if (this.closed) throw new EventStoreUnavailableError('postgres', `${this.where}: the store is closed (${doing})`);
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.translate(error, doing);
    }
  }

  private async query<Row extends object>(text: string, values: unknown[], doing: string): Promise<Row[]> {
    if (this.closed) throw new EventStoreUnavailableError('postgres', `${this.where}: the store is closed (${doing})`);
    try {
      return (await this.pool.query<Row>(text, values)).rows;
    } catch (error) {
      throw this.translate(error, doing);
    }
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>, doing: string): Promise<T> {
    const client = await this.connect(doing);
    let releaseError: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionError(error)) releaseError = error as Error;
      else await client.query('ROLLBACK').catch((rollbackError: Error) => (releaseError = rollbackError));
      throw this.translate(error, doing);
    } finally {
      client.release(releaseError);
    }
  }

  private translate(error: unknown, doing: string): Error {
    if (error instanceof EventStoreUnavailableError) return error;
    if (isConnectionError(error)) return this.unavailable(`${doing}: ${describeError(error)}`, error);
    return error as Error;
  }

  private unavailable(message: string, cause: unknown): EventStoreUnavailableError {
    return new EventStoreUnavailableError('postgres', `${this.where}: ${message}`, cause);
  }
}

function statements(s: string) {
  return {
    claimKey: `INSERT INTO ${s}.idempotency (key, request_hash, response) VALUES ($1, $2, $3::jsonb) ON CONFLICT (key) DO NOTHING RETURNING key`,
    findKey: `SELECT key, request_hash, response FROM ${s}.idempotency WHERE key = $1`,
    // Takes the row lock of the stream head (creating a placeholder at -1 for a new stream): writers of one
    // stream queue here, and each sees the version its predecessor committed.
    lockHead: `INSERT INTO ${s}.streams AS head (stream_id, version, last_hash) VALUES ($1, -1, '')
      ON CONFLICT (stream_id) DO UPDATE SET version = head.version RETURNING version, last_hash`,
    // Global positions come from one counter row updated inside the append's transaction, as late as possible.
    // Why not a bigserial: sequence values are handed out at insert time but become visible at commit, so tx A
    // could take 10, tx B 11, B commit first, and a reader that sees 11 moves its checkpoint past 10 and never
    // sees A. The counter row's lock is held until COMMIT, so the next appender reads A's committed value only
    // after A is visible: positions are committed in order, without holes, and a reader that sees position n
    // sees everything below it. The price is that appends (not reads) are serialised from this statement to
    // COMMIT; a rolled-back append rolls its positions back too, so no gaps.
    insertEvents: `WITH counter AS (
        UPDATE ${s}.log_head SET position = position + $1 RETURNING position - $1 AS base
      ), inserted AS (
        INSERT INTO ${s}.events (position, stream_id, version, event_id, type, data, metadata, prev_hash, hash)
        SELECT counter.base + e.ordinal, $2, e.version, e.event_id, e.type, e.data::jsonb, e.metadata::jsonb, e.prev_hash, e.hash
        FROM counter, unnest($3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
          WITH ORDINALITY AS e(version, event_id, type, data, metadata, prev_hash, hash, ordinal)
        RETURNING 1
      ), moved AS (
        UPDATE ${s}.streams SET version = $10, last_hash = $11 WHERE stream_id = $2 RETURNING 1
      )
      SELECT counter.base, pg_notify($12, (counter.base + $1)::text), (SELECT count(*) FROM inserted) AS inserted_count,
        (SELECT count(*) FROM moved) AS moved_count
      FROM counter`,
    byEventIds: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE event_id = ANY($1::text[])`,
    readForwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND version >= $2::bigint ORDER BY version ASC LIMIT $3::bigint`,
    readBackwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND version <= $2::bigint ORDER BY version DESC LIMIT $3::bigint`,
    allForwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE position > $1::bigint ORDER BY position ASC LIMIT $2::bigint`,
    allBackwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE position < $1::bigint ORDER BY position DESC LIMIT $2::bigint`,
    headPosition: `SELECT coalesce(max(position), 0) AS position FROM ${s}.events`,
  };
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: Number(row.position),
    streamId: row.stream_id,
    version: row.version,
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toIdempotency(row: { key: string; request_hash: string; response: unknown }): IdempotencyRecord {
  return { key: row.key, requestHash: row.request_hash, response: row.response };
}

/** Invariant after reading: positions strictly monotonic in the direction read. */
function assertOrdered(events: RecordedEvent[], backwards: boolean): void {
  for (let index = 1; index < events.length; index++) {
    const ordered = backwards ? events[index].position < events[index - 1].position : events[index].position > events[index - 1].position;
    if (!ordered) throw new Error(`postgres event store: readAll returned position ${events[index].position} after ${events[index - 1].position}`);
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown (pg_terminate_backend, server stopping)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  '3D000', // the database does not exist
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
]);

const CONNECTION_ERROR_MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Connection terminated unexpectedly|Client was closed and is not queryable|Cannot use a pool after calling end/i;

export function isConnectionError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = String((error as { code?: unknown }).code ?? '');
  if (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08')) return true;
  const errors = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(errors) && errors.some(isConnectionError)) return true; // AggregateError of several addresses
  return CONNECTION_ERROR_MESSAGES.test((error as Error).message ?? '');
}

function isEventIdConflict(error: unknown): boolean {
  return (error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'events_event_id_unique';
}

function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message || (error as { errors?: Error[] }).errors?.map((inner) => inner.message).join('; ') || String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** host:port/database of a connection string, without the password. */
export function describeServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    return `postgres at ${host}:${url.port || '5432'}/${decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)'}`;
  } catch {
    return 'postgres (connection string not a URL)';
  }
}

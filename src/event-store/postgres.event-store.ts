/**
 * The PostgreSQL adapter (`pg` Pool). One schema holds four tables: `events` (the log), `streams` (one head
 * row per stream: its last version and hash), `idempotency` (one row per command key) and `log_head` (the
 * global position counter, one row), and one function, `fundtrail_append`.
 *
 * An append is ONE round trip: one `SELECT * FROM fundtrail_append(...)` in autocommit, so one implicit
 * transaction. The hash chain is computed here (the canonical JSON of hash-chain.ts cannot be reproduced in
 * SQL), so the client must know the stream's head (version and last hash) before it calls: for a new stream
 * ('no-stream') it is (-1, ''); otherwise the adapter remembers the head of each stream it last appended to or
 * read to the end (a bounded cache), and reads the head row only when it does not know it. The function claims
 * the idempotency key (INSERT … ON CONFLICT DO NOTHING), locks the stream head row (SELECT … FOR UPDATE, or
 * creates it), and checks that the head is still the one the hashes were computed after; if it moved, it
 * answers the actual head and writes nothing (raising, to undo the key, when a key was claimed), and the
 * adapter checks the port's expected version against it and either refuses or recomputes and calls again.
 * Then positions are taken from the counter row, the events inserted, the head moved, NOTIFY sent, and the
 * statement commits. Locks are always taken in this order (key, stream, counter), so appends cannot deadlock.
 *
 * Before (BEGIN, lock head, insert, COMMIT: four round trips) single appends ran at about a third of the speed
 * of a bare one-INSERT transaction; see docs/benchmarks.md, "Event store adapters".
 */
import { Client, Pool, type PoolClient } from 'pg';
import { chain, continuesChain } from './hash-chain';
import { createWaker, pollingSubscription, SUBSCRIPTION_POLL_MS } from './polling-subscription';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventStoreConfig,
  type IdempotencyRecord,
  type NewEvent,
  type ProjectionEvent,
  type ReadAllForProjectionOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  EventStoreUnavailableError,
  IdempotencyReplayError,
  ImportChainError,
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

interface StreamHead {
  version: number;
  hash: string;
}

/** The row of fundtrail_append, or what the adapter made of its error. */
interface AppendAnswer {
  o_status: 'ok' | 'key-used' | 'head-moved' | 'replayed';
  o_base?: string;
  o_head_version?: number;
  o_head_hash?: string;
  o_key_request_hash?: string;
  o_key_response?: unknown;
  replay?: AppendResult;
}

/** How many times one append recomputes its chain after the head moved under it ('any', 'stream-exists', a stale cache). */
const APPEND_ATTEMPTS_MAX = 50;
/** Stream heads remembered, so that the common append needs no read first. */
const HEAD_CACHE_MAX = 10_000;
/** Rows per FETCH of streamAll: the baseline of BASELINES.md (312,000 events/s) was measured at 1,000. */
const STREAM_BATCH_DEFAULT = 1_000;

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
${appendFunctionSql(s)}
`;
}

/** SQLSTATE raised by fundtrail_append when the head moved after a key was claimed (the raise undoes the claim). */
const HEAD_MOVED_SQLSTATE = 'FT409';

/**
 * The whole append in one statement. p_head_version/p_head_hash: the head the client chained the events after.
 * Answers o_status 'ok' (o_base: the position before the first event), 'key-used' (the first request's hash and
 * response) or 'head-moved' (the actual head; nothing written). Global positions come from one counter row
 * updated inside the append's transaction, as late as possible. Why not a bigserial: sequence values are handed
 * out at insert time but become visible at commit, so tx A could take 10, tx B 11, B commit first, and a reader
 * that sees 11 moves its checkpoint past 10 and never sees A. The counter row's lock is held until COMMIT, so the
 * next appender reads A's committed value only after A is visible: positions are committed in order, without
 * holes, and a reader that sees position n sees everything below it. The price is that appends (not reads) are
 * serialised from the counter update to COMMIT; a failed append rolls its positions back too, so no gaps.
 */
function appendFunctionSql(s: string): string {
  return `
CREATE OR REPLACE FUNCTION ${s}.fundtrail_append(
  p_stream text, p_head_version integer, p_head_hash text,
  p_versions integer[], p_event_ids text[], p_types text[], p_data text[], p_metadata text[], p_prev_hashes text[], p_hashes text[],
  p_key text, p_request_hash text, p_response text, p_channel text,
  OUT o_status text, OUT o_base bigint, OUT o_head_version integer, OUT o_head_hash text,
  OUT o_key_request_hash text, OUT o_key_response jsonb)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count integer := cardinality(p_event_ids);
  v_last_version integer := p_versions[cardinality(p_versions)];
  v_last_hash text := p_hashes[cardinality(p_hashes)];
  v_moved boolean := false;
BEGIN
  IF p_key IS NOT NULL THEN
    INSERT INTO ${s}.idempotency (key, request_hash, response) VALUES (p_key, p_request_hash, p_response::jsonb)
      ON CONFLICT (key) DO NOTHING;
    IF NOT FOUND THEN
      SELECT i.request_hash, i.response INTO o_key_request_hash, o_key_response FROM ${s}.idempotency i WHERE i.key = p_key;
      o_status := 'key-used';
      RETURN;
    END IF;
  END IF;
  SELECT h.version, h.last_hash INTO o_head_version, o_head_hash FROM ${s}.streams h WHERE h.stream_id = p_stream FOR UPDATE;
  IF NOT FOUND THEN
    o_head_version := -1;
    o_head_hash := '';
    IF p_head_version <> -1 THEN
      v_moved := true;
    ELSE
      INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_stream, v_last_version, v_last_hash)
        ON CONFLICT (stream_id) DO NOTHING;
      IF NOT FOUND THEN -- created by a concurrent append since our SELECT: its head is the actual one
        SELECT h.version, h.last_hash INTO o_head_version, o_head_hash FROM ${s}.streams h WHERE h.stream_id = p_stream FOR UPDATE;
        v_moved := true;
      END IF;
    END IF;
  ELSIF o_head_version = p_head_version AND o_head_hash = p_head_hash THEN
    UPDATE ${s}.streams SET version = v_last_version, last_hash = v_last_hash WHERE stream_id = p_stream;
  ELSE
    v_moved := true;
  END IF;
  IF v_moved THEN
    IF p_key IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '${HEAD_MOVED_SQLSTATE}', MESSAGE = 'fundtrail_append: stream head moved',
        DETAIL = o_head_version::text || ':' || o_head_hash;
    END IF;
    o_status := 'head-moved';
    RETURN;
  END IF;
  UPDATE ${s}.log_head SET position = position + v_count RETURNING position - v_count INTO o_base;
  INSERT INTO ${s}.events (position, stream_id, version, event_id, type, data, metadata, prev_hash, hash)
    SELECT o_base + e.ordinal, p_stream, e.version, e.event_id, e.type, e.data::jsonb, e.metadata::jsonb, e.prev_hash, e.hash
    FROM unnest(p_versions, p_event_ids, p_types, p_data, p_metadata, p_prev_hashes, p_hashes)
      WITH ORDINALITY AS e(version, event_id, type, data, metadata, prev_hash, hash, ordinal);
  PERFORM pg_notify(p_channel, (o_base + v_count)::text);
  o_status := 'ok';
END
$fn$;`;
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
  private readonly heads = new Map<string, StreamHead>();
  private listener: Client | undefined;
  private listenerWanted = false;
  private listenerRetryMs = 100;
  private listenerTimer: NodeJS.Timeout | undefined;
  private closed = false;

  get config(): EventStoreConfig {
    return { kind: 'postgres', connectionString: this.options.connectionString, schema: this.schema };
  }

  constructor(private readonly options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(this.schema)) throw new Error(`postgres event store: schema name ${JSON.stringify(this.schema)} is not a plain identifier`);
    this.where = describeServer(options.connectionString);
    this.channel = `fundtrail_events_${this.schema}`.slice(0, 63);
    this.sql = statements(`"${this.schema}"`);
    this.pool = this.newPool(options.poolSize ?? 10);
  }

  private newPool(max: number, settings?: string): Pool {
    const pool = new Pool({
      connectionString: this.options.connectionString,
      max,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'fundtrail-event-store',
      ...(settings ? { options: settings } : {}),
    });
    // A connection that dies while idle (or between two queries of a checked-out client) emits 'error';
    // without a listener that would crash the process. The next query on the pool reports it instead.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return pool;
  }

  /** Connections for typed projection pages only (readAllForProjection with types), opened on first use. */
  private typedPagePool?: Pool;

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
    if (events.length === 0) return this.appendNothing(streamId, options);
    let head = this.assumedHead(streamId, options.expectedVersion);
    for (let attempt = 1; attempt <= APPEND_ATTEMPTS_MAX; attempt++) {
      if (!head) head = await this.readHead(streamId);
      if (!versionMatches(options.expectedVersion, head.version)) return this.refuse(streamId, events, options, head.version);
      const chained = chain(streamId, head.version + 1, head.hash, events);
      const last = chained[chained.length - 1];
      if (last.version > VERSION_MAX) throw new Error(`stream ${streamId} would pass version ${VERSION_MAX}`);
      const answer = await this.callAppend(streamId, head, chained, options);
      if (answer.o_status === 'ok') {
        this.remember(streamId, last.version, last.hash);
        this.waker.wake();
        const base = Number(answer.o_base);
        const recorded = chained.map((event, index) => ({ ...event, streamId, position: base + index + 1 }));
        return { streamId, nextExpectedVersion: last.version, events: recorded };
      }
      if (answer.o_status === 'replayed') return answer.replay!;
      if (answer.o_status === 'key-used') {
        throw new IdempotencyReplayError({ key: options.idempotency!.key, requestHash: answer.o_key_request_hash!, response: answer.o_key_response });
      }
      // the head moved since it was read or remembered: check the expected version against the actual one
      head = { version: answer.o_head_version!, hash: answer.o_head_hash! };
      this.remember(streamId, head.version, head.hash);
    }
    throw new Error(`stream ${streamId}: the head kept moving under ${APPEND_ATTEMPTS_MAX} attempts of one append`);
  }

  /**
   * See the port. One transaction: the idempotency keys, then the heads of every stream involved (locked in
   * stream order, so imports and appends cannot deadlock), continuity checked here, then positions from the
   * counter, the rows, the heads moved, NOTIFY, COMMIT.
   */
  async importEvents(events: RecordedEvent[], idempotency: IdempotencyRecord[]): Promise<void> {
    if (events.length === 0 && idempotency.length === 0) return;
    const streamIds = [...new Set(events.map((event) => event.streamId))].sort();
    await this.transaction(async (client) => {
      if (idempotency.length > 0) {
        const claimed = await client.query<{ key: string }>(this.sql.importKeys, [
          idempotency.map((record) => record.key),
          idempotency.map((record) => record.requestHash),
          idempotency.map((record) => JSON.stringify(record.response ?? null)),
        ]);
        if (claimed.rowCount !== idempotency.length) {
          const taken = new Set(claimed.rows.map((row) => row.key));
          const used = idempotency.find((record) => !taken.has(record.key))!;
          const existing = await client.query<{ key: string; request_hash: string; response: unknown }>(this.sql.findKey, [used.key]);
          throw new IdempotencyReplayError(toIdempotency(existing.rows[0]));
        }
      }
      if (events.length === 0) return;
      const rows = (await client.query<{ stream_id: string; version: number; last_hash: string }>(this.sql.lockHeads, [streamIds])).rows;
      const heads = new Map(rows.map((row) => [row.stream_id, { version: row.version, hash: row.last_hash }]));
      for (const event of events) {
        const head = heads.get(event.streamId) ?? { version: -1, hash: '' };
        const problem = continuesChain(head, event);
        if (problem) throw new ImportChainError(event, problem);
        heads.set(event.streamId, { version: event.version, hash: event.hash });
      }
      await client.query(this.sql.importEvents, [
        events.length,
        events.map((event) => event.streamId),
        ...chainedColumns(events),
        streamIds,
        streamIds.map((streamId) => heads.get(streamId)!.version),
        streamIds.map((streamId) => heads.get(streamId)!.hash),
        this.channel,
      ]);
      for (const streamId of streamIds) this.remember(streamId, heads.get(streamId)!.version, heads.get(streamId)!.hash);
    }, `importing ${events.length} events`);
    this.waker.wake();
  }

  /** The head the events can be chained after without asking the server, when it is known. */
  private assumedHead(streamId: string, expected: AppendOptions['expectedVersion']): StreamHead | undefined {
    if (expected === 'no-stream' || expected === -1) return { version: -1, hash: '' };
    const known = this.heads.get(streamId);
    if (!known) return undefined;
    if (typeof expected === 'number' && known.version !== expected) return undefined;
    return known;
  }

  /** Remembers the last known head of a stream (bounded: the oldest entry goes first). */
  private remember(streamId: string, version: number, hash: string): void {
    const known = this.heads.get(streamId);
    if (known && known.version > version) return;
    this.heads.delete(streamId);
    if (this.heads.size >= HEAD_CACHE_MAX) this.heads.delete(this.heads.keys().next().value as string);
    this.heads.set(streamId, { version, hash });
  }

  private async readHead(streamId: string): Promise<StreamHead> {
    const rows = await this.query<{ version: number; last_hash: string }>(
      { name: `fundtrail_head_${this.schema}`, text: this.sql.head }, [streamId], `reading the head of ${streamId}`);
    return rows[0] ? { version: rows[0].version, hash: rows[0].last_hash } : { version: -1, hash: '' };
  }

  private async appendNothing(streamId: string, options: AppendOptions): Promise<AppendResult> {
    const head = await this.readHead(streamId);
    if (!versionMatches(options.expectedVersion, head.version)) throw new WrongExpectedVersionError(streamId, options.expectedVersion, head.version);
    return { streamId, nextExpectedVersion: head.version, events: [] };
  }

  /** The expected version does not hold: a retry of events already written answers the first result, anything else is refused. */
  private async refuse(streamId: string, events: NewEvent[], options: AppendOptions, actual: number): Promise<AppendResult> {
    const replay = await this.replayedAppend(streamId, events);
    if (replay) return replay;
    throw new WrongExpectedVersionError(streamId, options.expectedVersion, actual);
  }

  private async callAppend(streamId: string, head: StreamHead, chained: ReturnType<typeof chain>, options: AppendOptions): Promise<AppendAnswer> {
    const key = options.idempotency;
    const values = [
      streamId,
      head.version,
      head.hash,
      ...chainedColumns(chained),
      key?.key ?? null,
      key?.requestHash ?? null,
      key ? JSON.stringify(key.response ?? null) : null,
      this.channel,
    ];
    if (this.closed) throw new EventStoreUnavailableError('postgres', `${this.where}: the store is closed (appending to ${streamId})`);
    try {
      return (await this.pool.query<AppendAnswer>({ name: `fundtrail_append_${this.schema}`, text: this.sql.append, values })).rows[0];
    } catch (error) {
      if ((error as { code?: string }).code === HEAD_MOVED_SQLSTATE) {
        const detail = String((error as { detail?: string }).detail ?? '');
        const colon = detail.indexOf(':');
        return { o_status: 'head-moved', o_head_version: Number(detail.slice(0, colon)), o_head_hash: detail.slice(colon + 1) };
      }
      if (isEventIdConflict(error)) {
        // A retry whose version check passes ('any', 'stream-exists') only shows as a duplicate event id.
        const replay = await this.replayedAppend(streamId, chained).catch(() => undefined);
        if (replay) return { o_status: 'replayed', replay };
        throw new Error(`an event id of this append is already in another stream or position: ${(error as Error).message}`);
      }
      if (isConnectionError(error)) {
        // One statement in autocommit: nothing is written unless it committed, and a cut may hide which it was.
        throw this.unavailable(
          `appending to ${streamId}: ${describeError(error)}; the append is one transaction, so it was written whole or not at all; retrying it with the same event ids is safe`,
          error,
        );
      }
      throw error;
    }
  }

  /** A retried append of events already in the stream (same ids, consecutive versions) answers the first result. */
  private async replayedAppend(streamId: string, events: NewEvent[]): Promise<AppendResult | undefined> {
    if (events.length === 0) return undefined;
    const rows = await this.query<EventRow>(this.sql.byEventIds, [events.map((event) => event.eventId)], `reading events of ${streamId} by id`);
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
    const events = rows.map(toRecorded);
    // a read that reached the end of the stream tells its head: the next append after it needs no read first
    const backwardsFromEnd = options.direction === 'backwards' && options.fromVersion === undefined;
    const forwardsToEnd = options.direction !== 'backwards' && (limit === null || events.length < limit);
    const last = backwardsFromEnd ? events[0] : forwardsToEnd ? events[events.length - 1] : undefined;
    if (last) this.remember(streamId, last.version, last.hash);
    return events;
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

  /**
   * The port's lean page for projections: no hash columns, of the metadata only `occurredAt` (extracted by
   * PostgreSQL), rows as arrays. One statement per page, like readAll: no cursor or connection held between pages.
   */
  async readAllForProjection(options: ReadAllForProjectionOptions = {}): Promise<ProjectionEvent[]> {
    const limit = Math.min(Math.max(0, options.limit ?? READ_BATCH_MAX), READ_BATCH_MAX);
    if (this.closed) throw new EventStoreUnavailableError('postgres', `${this.where}: the store is closed (reading all for projections)`);
    let rows: unknown[][];
    try {
      if (options.types) {
        // Walk the primary key in order, whatever the statistics say. Without statistics (a freshly loaded store;
        // autovacuum off) the planner guesses 0.5 % of the rows per type and prefers sorting a parallel scan of the
        // whole tail: 300 ms a page instead of 50 for types that are 68 % of the log (1M events: 20 s against 2 s).
        // In key order a page never costs more than reading every event up to its last one. The settings are those
        // of the connections of a pool of their own, set when they open: one round trip a page, as for any page.
        this.typedPagePool ??= this.newPool(2, TYPED_PAGE_SETTINGS);
        rows = (await this.typedPagePool.query<unknown[]>({ text: this.sql.allForProjectionOfTypes, values: [options.after ?? 0, limit, options.types], rowMode: 'array' })).rows;
      } else {
        rows = (await this.pool.query<unknown[]>({ text: this.sql.allForProjection, values: [options.after ?? 0, limit], rowMode: 'array' })).rows;
      }
    } catch (error) {
      throw this.translate(error, 'reading all for projections');
    }
    const events: ProjectionEvent[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index];
      events[index] = {
        position: Number(row[0]),
        streamId: row[1] as string,
        version: row[2] as number,
        eventId: row[3] as string,
        type: row[4] as string,
        data: row[5],
        metadata: { occurredAt: row[6] as string },
      };
    }
    for (let index = 1; index < events.length; index++) {
      if (events[index].position <= events[index - 1].position) {
        throw new Error(`postgres event store: readAllForProjection returned position ${events[index].position} after ${events[index - 1].position}`);
      }
    }
    return events;
  }

  /**
   * The fastest way through the whole log (rebuilds, copies): one REPEATABLE READ snapshot read through a
   * server-side cursor, `batchSize` rows a FETCH, rows as arrays (no per-row object from the driver). The
   * snapshot is the log as it was when the first batch was asked for; later events are for the next call.
   * Stopping early (break) closes the cursor and gives the connection back.
   */
  async *streamAll(options: { after?: number; batchSize?: number } = {}): AsyncGenerator<RecordedEvent[]> {
    const after = options.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0) throw new Error(`streamAll: after must be a position, not ${after}`);
    const batchSize = Math.min(Math.max(1, options.batchSize ?? STREAM_BATCH_DEFAULT), READ_BATCH_MAX);
    const client = await this.connect('reading all (cursor)');
    let releaseError: Error | undefined;
    let inTransaction = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      inTransaction = true;
      await client.query(`DECLARE fundtrail_all NO SCROLL CURSOR FOR SELECT ${EVENT_COLUMNS} FROM "${this.schema}".events WHERE position > ${after} ORDER BY position`);
      let previous = after;
      for (;;) {
        const rows = (await client.query<unknown[]>({ text: `FETCH ${batchSize} FROM fundtrail_all`, rowMode: 'array' })).rows;
        if (rows.length === 0) break;
        const events = rows.map(arrayToRecorded);
        for (const event of events) {
          if (event.position <= previous) throw new Error(`postgres event store: the cursor returned position ${event.position} after ${previous}`);
          previous = event.position;
        }
        yield events;
        if (rows.length < batchSize) break;
      }
      await client.query('COMMIT');
      inTransaction = false;
    } catch (error) {
      if (isConnectionError(error)) releaseError = error as Error;
      throw this.translate(error, 'reading all (cursor)');
    } finally {
      // a consumer that stopped early leaves the transaction open: end it before the connection goes back
      if (inTransaction && !releaseError) await client.query('ROLLBACK').catch((rollbackError: Error) => (releaseError = rollbackError));
      client.release(releaseError);
    }
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
    await Promise.all([this.pool.end(), this.typedPagePool?.end()]);
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

  private async query<Row extends object>(text: string | { name: string; text: string }, values: unknown[], doing: string): Promise<Row[]> {
    if (this.closed) throw new EventStoreUnavailableError('postgres', `${this.where}: the store is closed (${doing})`);
    try {
      return (await this.pool.query<Row>(typeof text === 'string' ? { text, values } : { ...text, values })).rows;
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

/** Settings of the connections whose plans walk the primary key in order (readAllForProjection with types). */
export const TYPED_PAGE_SETTINGS = '-c enable_seqscan=off -c enable_bitmapscan=off -c max_parallel_workers_per_gather=0 -c jit=off';

/** What readAllForProjection reads of an event: no hashes, of the metadata only the business date. */
const PROJECTION_COLUMNS = "position, stream_id, version, event_id, type, data, metadata->>'occurredAt'";

export function statements(s: string) {
  return {
    findKey: `SELECT key, request_hash, response FROM ${s}.idempotency WHERE key = $1`,
    head: `SELECT version, last_hash FROM ${s}.streams WHERE stream_id = $1`,
    append: `SELECT o_status, o_base, o_head_version, o_head_hash, o_key_request_hash, o_key_response
      FROM ${s}.fundtrail_append($1, $2, $3, $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11, $12, $13, $14)`,
    importKeys: `INSERT INTO ${s}.idempotency (key, request_hash, response)
      SELECT k.key, k.request_hash, k.response::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS k(key, request_hash, response)
      ON CONFLICT (key) DO NOTHING RETURNING key`,
    lockHeads: `SELECT stream_id, version, last_hash FROM ${s}.streams WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE`,
    importEvents: `WITH counter AS (
        UPDATE ${s}.log_head SET position = position + $1 RETURNING position - $1 AS base
      ), inserted AS (
        INSERT INTO ${s}.events (position, stream_id, version, event_id, type, data, metadata, prev_hash, hash)
        SELECT counter.base + e.ordinal, e.stream_id, e.version, e.event_id, e.type, e.data::jsonb, e.metadata::jsonb, e.prev_hash, e.hash
        FROM counter, unnest($2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
          WITH ORDINALITY AS e(stream_id, version, event_id, type, data, metadata, prev_hash, hash, ordinal)
        RETURNING 1
      ), heads AS (
        INSERT INTO ${s}.streams (stream_id, version, last_hash) SELECT * FROM unnest($10::text[], $11::integer[], $12::text[])
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash
        RETURNING 1
      )
      SELECT pg_notify($13, (counter.base + $1)::text), (SELECT count(*) FROM inserted) AS inserted, (SELECT count(*) FROM heads) AS heads FROM counter`,
    byEventIds: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE event_id = ANY($1::text[])`,
    readForwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND version >= $2::bigint ORDER BY version ASC LIMIT $3::bigint`,
    readBackwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND version <= $2::bigint ORDER BY version DESC LIMIT $3::bigint`,
    allForwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE position > $1::bigint ORDER BY position ASC LIMIT $2::bigint`,
    allBackwards: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE position < $1::bigint ORDER BY position DESC LIMIT $2::bigint`,
    allForProjection: `SELECT ${PROJECTION_COLUMNS} FROM ${s}.events WHERE position > $1::bigint ORDER BY position ASC LIMIT $2::bigint`,
    allForProjectionOfTypes: `SELECT ${PROJECTION_COLUMNS} FROM ${s}.events WHERE position > $1::bigint AND type = ANY($3::text[]) ORDER BY position ASC LIMIT $2::bigint`,
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

/** A row of EVENT_COLUMNS read with rowMode 'array'. */
function arrayToRecorded(row: unknown[]): RecordedEvent {
  return {
    position: Number(row[0]),
    streamId: row[1] as string,
    version: row[2] as number,
    eventId: row[3] as string,
    type: row[4] as string,
    data: row[5],
    metadata: row[6] as RecordedEvent['metadata'],
    prevHash: row[7] as string,
    hash: row[8] as string,
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

/** Chained events as the column arrays `fundtrail_append` and the import take: version, id, type, data, metadata, prev hash, hash. */
function chainedColumns(events: ReadonlyArray<Pick<RecordedEvent, 'version' | 'eventId' | 'type' | 'data' | 'metadata' | 'prevHash' | 'hash'>>): unknown[][] {
  return [
    events.map((event) => event.version),
    events.map((event) => event.eventId),
    events.map((event) => event.type),
    events.map((event) => JSON.stringify(event.data)),
    events.map((event) => JSON.stringify(event.metadata)),
    events.map((event) => event.prevHash),
    events.map((event) => event.hash),
  ];
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

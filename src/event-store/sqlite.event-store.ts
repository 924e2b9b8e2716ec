/**
 * The embedded default: one SQLite file (better-sqlite3 12, WAL). No server to set up.
 * Appends run in one IMMEDIATE transaction each: the version check, the events, the stream head and
 * the idempotency key commit together or not at all.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as turnOfTheEventLoop } from 'node:timers/promises';
import { chain, continuesChain } from './hash-chain';
import { createWaker, pollingSubscription } from './polling-subscription';
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
  type StreamAllOptions,
  type SubscribeOptions,
  type Subscription,
  EventStoreUnavailableError,
  IdempotencyReplayError,
  ImportChainError,
  READ_BATCH_MAX,
  WrongExpectedVersionError,
  versionMatches,
} from './event-store.port';

interface EventRow {
  position: number;
  stream_id: string;
  version: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position   INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id  TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  event_id   TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  data       TEXT    NOT NULL,
  metadata   TEXT    NOT NULL,
  prev_hash  TEXT    NOT NULL,
  hash       TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_version ON events (stream_id, version);
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id);
CREATE TABLE IF NOT EXISTS streams (
  stream_id  TEXT    PRIMARY KEY,
  version    INTEGER NOT NULL,
  last_hash  TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
  key          TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  response     TEXT NOT NULL,
  created_at   TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface SqliteEventStoreOptions {
  /** Path of the database file, or ':memory:'. */
  filename: string;
  /** 'NORMAL' (default): durable against process crashes, not power loss; 'FULL' for both. */
  synchronous?: 'NORMAL' | 'FULL';
  pollMs?: number;
}

export class SqliteEventStore implements EventStore {
  readonly name = 'sqlite';
  readonly db: Database.Database;
  private readonly waker = createWaker();
  private readonly statements;
  private readonly appendTransaction;

  get config(): EventStoreConfig | undefined {
    return this.options.filename === ':memory:' ? undefined : { kind: 'sqlite', filename: this.options.filename };
  }

  constructor(private readonly options: SqliteEventStoreOptions) {
    try {
      if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
      this.db = new Database(options.filename);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (error) {
      throw new EventStoreUnavailableError('sqlite', `cannot open ${options.filename}: ${(error as Error).message}`, error);
    }
    this.statements = {
      head: this.db.prepare<[string], { version: number; last_hash: string }>('SELECT version, last_hash FROM streams WHERE stream_id = ?'),
      upsertHead: this.db.prepare(
        'INSERT INTO streams (stream_id, version, last_hash) VALUES (?, ?, ?) ON CONFLICT(stream_id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, version, event_id, type, data, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      byEventId: this.db.prepare<[string], EventRow>('SELECT * FROM events WHERE event_id = ?'),
      idempotency: this.db.prepare<[string], { key: string; request_hash: string; response: string }>(
        'SELECT key, request_hash, response FROM idempotency WHERE key = ?',
      ),
      insertIdempotency: this.db.prepare('INSERT INTO idempotency (key, request_hash, response, created_at) VALUES (?, ?, ?, ?)'),
      readForwards: this.db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE stream_id = ? AND version >= ? ORDER BY version ASC LIMIT ?',
      ),
      readBackwards: this.db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE stream_id = ? AND version <= ? ORDER BY version DESC LIMIT ?',
      ),
      allForwards: this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      allBackwards: this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position < ? ORDER BY position DESC LIMIT ?'),
      headPosition: this.db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
    };
    this.appendTransaction = this.db.transaction((streamId: string, events: NewEvent[], options: AppendOptions): AppendResult => {
      if (options.idempotency) {
        const existing = this.statements.idempotency.get(options.idempotency.key);
        if (existing) throw new IdempotencyReplayError(toIdempotency(existing));
      }
      const head = this.statements.head.get(streamId);
      const actual = head ? head.version : -1;
      if (!versionMatches(options.expectedVersion, actual)) {
        const replay = this.replayedAppend(streamId, events);
        if (replay) return replay;
        throw new WrongExpectedVersionError(streamId, options.expectedVersion, actual);
      }
      const chained = chain(streamId, actual + 1, head?.last_hash ?? '', events);
      const recorded: RecordedEvent[] = [];
      for (const event of chained) {
        const info = this.statements.insert.run(
          streamId,
          event.version,
          event.eventId,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          event.prevHash,
          event.hash,
        );
        recorded.push({ ...event, streamId, position: Number(info.lastInsertRowid) });
      }
      const last = chained[chained.length - 1];
      if (last) this.statements.upsertHead.run(streamId, last.version, last.hash);
      if (options.idempotency) {
        const { key, requestHash, response } = options.idempotency;
        this.statements.insertIdempotency.run(key, requestHash, JSON.stringify(response), new Date().toISOString());
      }
      return { streamId, nextExpectedVersion: last ? last.version : actual, events: recorded };
    });
  }

  /** See the port. One IMMEDIATE transaction; the head of each stream is checked and moved as the events go in. */
  async importEvents(events: RecordedEvent[], idempotency: IdempotencyRecord[]): Promise<void> {
    if (events.length === 0 && idempotency.length === 0) return;
    const work = this.db.transaction(() => {
      const heads = new Map<string, { version: number; hash: string }>();
      for (const event of events) {
        let head = heads.get(event.streamId);
        if (!head) {
          const row = this.statements.head.get(event.streamId);
          head = row ? { version: row.version, hash: row.last_hash } : { version: -1, hash: '' };
        }
        const problem = continuesChain(head, event);
        if (problem) throw new ImportChainError(event, problem);
        this.statements.insert.run(event.streamId, event.version, event.eventId, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), event.prevHash, event.hash);
        heads.set(event.streamId, { version: event.version, hash: event.hash });
      }
      for (const [streamId, head] of heads) this.statements.upsertHead.run(streamId, head.version, head.hash);
      for (const record of idempotency) {
        if (this.statements.idempotency.get(record.key)) throw new IdempotencyReplayError(toIdempotency(this.statements.idempotency.get(record.key)!));
        this.statements.insertIdempotency.run(record.key, record.requestHash, JSON.stringify(record.response), new Date().toISOString());
      }
    });
    try {
      work.immediate();
    } catch (error) {
      if (error instanceof ImportChainError) throw error;
      throw this.translate(error);
    }
    if (events.length > 0) this.waker.wake();
  }

  /**
   * A retried append of events already in the stream (same ids, same order, at the stream's end or not)
   * succeeds again with the first result, as EventStoreDB does: the retry of a timed-out call is safe.
   */
  private replayedAppend(streamId: string, events: NewEvent[]): AppendResult | undefined {
    if (events.length === 0) return undefined;
    const rows = events.map((event) => this.statements.byEventId.get(event.eventId));
    if (rows.some((row) => !row || row.stream_id !== streamId)) return undefined;
    for (let index = 1; index < rows.length; index++) if (rows[index]!.version !== rows[0]!.version + index) return undefined;
    const recorded = rows.map((row) => toRecorded(row!));
    return { streamId, nextExpectedVersion: recorded[recorded.length - 1].version, events: recorded };
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    let result: AppendResult;
    try {
      result = this.appendTransaction.immediate(streamId, events, options);
    } catch (error) {
      // With a version check that passes ('any', 'stream-exists') a retried append only shows as a duplicate event id.
      const replay = isEventIdConflict(error) ? this.replayedAppend(streamId, events) : undefined;
      if (replay) return replay;
      throw this.translate(error);
    }
    if (result.events.length > 0) this.waker.wake();
    return result;
  }

  private translate(error: unknown): Error {
    if (error instanceof WrongExpectedVersionError || error instanceof IdempotencyReplayError) return error;
    const code = (error as { code?: string }).code ?? '';
    if (isEventIdConflict(error)) {
      return new Error(`an event id of this append is already in another stream or position: ${(error as Error).message}`);
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN' || !this.db.open) {
      return new EventStoreUnavailableError('sqlite', (error as Error).message, error);
    }
    return error as Error;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = Math.min(options.limit ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const rows =
      options.direction === 'backwards'
        ? this.statements.readBackwards.all(streamId, options.fromVersion ?? Number.MAX_SAFE_INTEGER, limit)
        : this.statements.readForwards.all(streamId, options.fromVersion ?? 0, limit);
    return rows.map(toRecorded);
  }

  /**
   * A page of the log. Every other store answers a read after I/O; this one could answer at once, and a loop of
   * reads (a catch-up of a long log: the alert engine's, a first list of the catalog) would then hold the event
   * loop — timers, requests — until its end. So each page read first gives it one turn. Not the projections' lean
   * read: the runner reads it inside its exclusive section, which `/health` and queries wait for; measured on a
   * 1M-event history during the alert engine's first pass, a turn there too made `/health` answer in 2.6–2.9 s
   * instead of 1.7–2.0 s.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    await turnOfTheEventLoop();
    const limit = Math.min(options.limit ?? READ_BATCH_MAX, READ_BATCH_MAX);
    const rows =
      options.direction === 'backwards'
        ? this.statements.allBackwards.all(options.after ?? Number.MAX_SAFE_INTEGER, limit)
        : this.statements.allForwards.all(options.after ?? 0, limit);
    return rows.map(toRecorded);
  }

  /**
   * The port's lean page for projections: one `.all()` of a prepared statement (no iterator held open across the
   * caller's awaits, so appends are not blocked), rows as arrays, no hash columns, and of the metadata only the
   * business date, which SQLite extracts (`json_extract`) instead of JavaScript parsing the whole object.
   */
  async readAllForProjection(options: ReadAllForProjectionOptions = {}): Promise<ProjectionEvent[]> {
    const limit = Math.min(Math.max(0, options.limit ?? READ_BATCH_MAX), READ_BATCH_MAX);
    const rows = this.projectionPageOf(options.types).all(options.after ?? 0, ...(options.types ?? []), limit) as Array<[number, string, number, string, string, string, string]>;
    const events: ProjectionEvent[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index];
      events[index] = {
        position: row[0],
        streamId: row[1],
        version: row[2],
        eventId: row[3],
        type: row[4],
        data: JSON.parse(row[5]),
        metadata: { occurredAt: row[6] },
      };
    }
    return events;
  }

  /**
   * readAllForProjection's page, of every event or of some types: rows as arrays (`.raw()`), the business date
   * extracted by SQLite; one prepared statement per list of types.
   */
  private readonly projectionPages = new Map<string, Database.Statement<unknown[], unknown[]>>();
  private projectionPageOf(types: readonly string[] | undefined): Database.Statement<unknown[], unknown[]> {
    const key = types ? types.join('\u0000') : '';
    let statement = this.projectionPages.get(key);
    if (!statement) {
      const ofTypes = types ? ` AND type IN (${types.map(() => '?').join(', ')})` : '';
      statement = this.db
        .prepare<unknown[], unknown[]>(`SELECT position, stream_id, version, event_id, type, data, json_extract(metadata, '$.occurredAt') FROM events WHERE position > ?${ofTypes} ORDER BY position ASC LIMIT ?`)
        .raw(true);
      this.projectionPages.set(key, statement);
    }
    return statement;
  }

  /** The fastest way through the whole log: a lazy iterator, one row at a time (for rebuilds). */
  *iterateAll(after = 0): IterableIterator<RecordedEvent> {
    const statement = this.db.prepare<[number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position ASC');
    for (const row of statement.iterate(after)) yield toRecorded(row);
  }

  /**
   * The port's streamAll: keyset pages straight from the prepared statement. Not iterateAll: an open
   * better-sqlite3 iterator keeps the connection busy, and the consumer of a batch may use the store (a copy
   * reads idempotency records, the app appends) before it asks for the next one.
   */
  async *streamAll(options: StreamAllOptions = {}): AsyncGenerator<RecordedEvent[]> {
    const batchSize = Math.min(Math.max(1, options.batchSize ?? 1_000), READ_BATCH_MAX);
    let after = options.after ?? 0;
    for (;;) {
      const rows = this.statements.allForwards.all(after, batchSize);
      if (rows.length === 0) return;
      const batch = rows.map(toRecorded);
      after = batch[batch.length - 1].position;
      yield batch;
      if (rows.length < batchSize) return;
    }
  }

  async headPosition(): Promise<number> {
    return this.statements.headPosition.get()?.position ?? 0;
  }

  subscribe(options: SubscribeOptions): Subscription {
    return pollingSubscription((read) => this.readAll(read), this.waker, options, this.options.pollMs);
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    const row = this.statements.idempotency.get(key);
    return row ? toIdempotency(row) : undefined;
  }

  async close(): Promise<void> {
    this.waker.wake();
    if (this.db.open) this.db.close();
  }
}

function isEventIdConflict(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /event_id/.test((error as Error).message);
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: row.position,
    streamId: row.stream_id,
    version: row.version,
    eventId: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toIdempotency(row: { key: string; request_hash: string; response: string }): IdempotencyRecord {
  return { key: row.key, requestHash: row.request_hash, response: JSON.parse(row.response) };
}

/**
 * The event store port: the only way Fundtrail reads or writes its history.
 * Adapters (SQLite, PostgreSQL, EventStoreDB) translate their engine's words into these.
 */

export interface Actor {
  id: string;
  role: string;
  unit?: string;
}

/** What every event carries besides its data (invariant 3 of the design). */
export interface EventMetadata {
  actor: Actor;
  /** The business date it happened, "YYYY-MM-DD" (e.g. the date on the document). */
  occurredAt: string;
  /** When it was recorded, ISO 8601 instant. */
  recordedAt: string;
  document?: string;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
  idempotencyKey?: string;
}

export interface NewEvent<Data = unknown> {
  eventId: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Data = unknown> extends NewEvent<Data> {
  streamId: string;
  /** 0-based revision within the stream. */
  version: number;
  /** Global position, strictly increasing in commit order, starting at 1. */
  position: number;
  /** Hash of the previous event of the stream ('' for the first). */
  prevHash: string;
  /** sha256 over prevHash and this event's content (see hash-chain.ts). */
  hash: string;
}

/**
 * Expected version (Emmett's words): a number is the version of the last event the writer saw (-1: none);
 * 'no-stream' the stream must not exist; 'stream-exists' it must; 'any' no check.
 */
export type ExpectedVersion = number | 'any' | 'no-stream' | 'stream-exists';

export interface IdempotencyRecord {
  key: string;
  /** sha256 of the request, so that a key reused for a different request is refused. */
  requestHash: string;
  /** The first answer, returned again on a retry. */
  response: unknown;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  /** Written in the same transaction as the events: one effect per key. */
  idempotency?: IdempotencyRecord;
}

export interface AppendResult {
  streamId: string;
  /** The version of the last event appended: the expected version for the next append. */
  nextExpectedVersion: number;
  events: RecordedEvent[];
}

export interface ReadStreamOptions {
  /** Inclusive. Forwards: default 0; backwards: default the last. */
  fromVersion?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position greater than this (forwards) or less than it (backwards). Default 0 / end. */
  after?: number;
  direction?: 'forwards' | 'backwards';
  /** At most this many (adapters cap it at READ_BATCH_MAX). */
  limit?: number;
}

export const READ_BATCH_MAX = 10_000;

/**
 * An event as the projections read it (`readAllForProjection`): no hashes, and of the metadata only what a
 * projection folds (the business date). A RecordedEvent is one too, so adapters without the lean read hand
 * their readAll pages over as they are.
 */
export interface ProjectionEvent<Data = unknown> {
  position: number;
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  data: Data;
  metadata: Pick<EventMetadata, 'occurredAt'>;
}

export interface ReadAllForProjectionOptions {
  /** Exclusive position to read after (default 0); forwards only. */
  after?: number;
  /** At most this many (capped at READ_BATCH_MAX). */
  limit?: number;
  /**
   * Only events of these types (all when absent): the store skips the others without parsing them. A page shorter
   * than `limit` then means that nothing of these types follows in the log as it was read, not that nothing follows.
   */
  types?: readonly string[];
}

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Exclusive position to catch up from (0: from the beginning). */
  after: number;
  /** Called once per event in global order; the next is not delivered before the returned promise settles. */
  onEvent: (event: RecordedEvent) => Promise<void> | void;
  onError?: (error: Error) => void;
  /** Called when the subscription has caught up with the head and switches to live events. */
  onCaughtUp?: () => void;
}

/** How to open a store (createEventStore): also how another thread opens a second connection to the same one. */
export type EventStoreConfig =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; connectionString: string; schema?: string }
  | { kind: 'esdb'; connectionString: string };

export interface EventStore {
  readonly name: string;
  /**
   * Optional: the configuration that opens this same store again (from a worker thread: a long catch-up reads it
   * from several threads at once). Absent when nothing else can reach it (an in-memory SQLite file).
   */
  readonly config?: EventStoreConfig;
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The position of the last event (0 when empty). */
  headPosition(): Promise<number>;
  subscribe(options: SubscribeOptions): Subscription;
  findIdempotency(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Optional fast path through the log in global order, batch by batch (PostgreSQL: a cursor over one snapshot;
   * SQLite: a lazy statement iterator). Use `readAllInBatches` (read-all.ts), which falls back to readAll pages.
   */
  streamAll?(options?: StreamAllOptions): AsyncIterable<RecordedEvent[]>;
  /**
   * Optional lean page of the log in global order for the projections: the same events as `readAll` forwards,
   * without the hash columns and with only `metadata.occurredAt` (extracted by the engine, not by parsing the
   * whole metadata in JavaScript). Like readAll, a page holds no cursor open between calls. Use
   * `readAllForProjection` (read-all.ts), which falls back to readAll.
   */
  readAllForProjection?(options?: ReadAllForProjectionOptions): Promise<ProjectionEvent[]>;
  /**
   * Optional, for `store copy` only: writes events already chained elsewhere (ids, versions, hashes given), of many
   * streams, in their order, with their commands' idempotency records, in ONE transaction. Each event must continue
   * its stream's chain exactly (version = head + 1, prevHash = the head's hash, hash = its content's hash), or
   * nothing is written. Positions are the store's own, in the order given.
   */
  importEvents?(events: RecordedEvent[], idempotency: IdempotencyRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** An imported event that does not continue its stream's chain in the target (importEvents). */
export class ImportChainError extends Error {
  constructor(
    public readonly event: RecordedEvent,
    problem: string,
  ) {
    super(`import of ${event.streamId} version ${event.version} (id ${event.eventId}): ${problem}; nothing of this batch was written`);
    this.name = 'ImportChainError';
  }
}

export interface StreamAllOptions {
  /** Exclusive position to start after (default 0). */
  after?: number;
  /** Events per batch (default 1,000, at most READ_BATCH_MAX). */
  batchSize?: number;
}

// ------------------------------------------------------------------------------------------------
// errors: the port's words, shared by every adapter

export class WrongExpectedVersionError extends Error {
  constructor(
    public readonly streamId: string,
    public readonly expected: ExpectedVersion,
    public readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class StreamNotFoundError extends Error {
  constructor(public readonly streamId: string) {
    super(`stream ${streamId} not found`);
    this.name = 'StreamNotFoundError';
  }
}

/** The key was already used: `record` holds the first answer (or a different request's hash). */
export class IdempotencyReplayError extends Error {
  constructor(public readonly record: IdempotencyRecord) {
    super(`idempotency key ${record.key} was already used`);
    this.name = 'IdempotencyReplayError';
  }
}

/** The engine cannot be reached or failed: nothing was appended. */
export class EventStoreUnavailableError extends Error {
  constructor(
    public readonly store: string,
    message: string,
    public readonly cause?: unknown,
  ) {
    super(`${store} event store unavailable: ${message}`);
    this.name = 'EventStoreUnavailableError';
  }
}

export function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return actual === -1;
  if (expected === 'stream-exists') return actual >= 0;
  return expected === actual;
}

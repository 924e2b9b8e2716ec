/**
 * EventStoreDB (KurrentDB) through `@eventstore/db-client` 6 over gRPC: for deployments that outgrow
 * one machine (a 3-node cluster, see docker-compose.yml). It translates EventStoreDB's words into the
 * port's; the SQLite adapter is the reference for the port's semantics.
 *
 * How each promise of the port is kept on an engine without multi-stream transactions:
 *
 * - Expected version. Every append first reads the stream's tail (backwards, at most n events), checks the
 *   port's expected version against it, computes the hash chain from the last hash, and then appends with
 *   EventStoreDB's *exact* expected revision of that tail (or no_stream). So the chain is only ever written
 *   where it was computed, even for 'any' and 'stream-exists' (a race on those re-reads and retries, bounded).
 *
 * - Event ids. The port's event ids (UUIDs) are the EventStoreDB event ids. EventStoreDB answers a re-append
 *   of the same ids at the same expected revision with success and writes nothing: a retried call is safe,
 *   and the adapter itself retries a call cut by a transient failure on that ground.
 *
 * - Position. The port wants one number, strictly increasing in commit order. EventStoreDB gives each event
 *   (commit, prepare) byte offsets in its log; all events of one append share the commit position. So
 *     position = commit × 4096 + (index of the event within its append) + 1
 *   with the index carried in the event's metadata (`appendIndex`). It is strictly increasing because commit
 *   positions of different appends differ by at least one log record (> 4096 would not be needed: records
 *   are > 100 bytes, but the index is capped at APPEND_EVENTS_MAX < 4096 anyway). It stays an exact JS
 *   number while commit < 2^53 / 4096 ≈ 2.2e12, i.e. a log of 2 TB; beyond it the adapter stops with an
 *   error rather than answer a wrong position. Reading "after p" reads `$all` from (commit(p), 0), which is
 *   at or before every event of that append whether the engine places the commit record after its
 *   prepares or at the first one, and drops what is not after p.
 *
 * - `$all` holds more than Fundtrail's events: system events (`$`-prefixed streams or types) and this
 *   adapter's idempotency streams are filtered out of readAll, headPosition and subscribe.
 *
 * - Idempotency: see `settleIdempotency` below.
 *
 * - Unavailability: UNAVAILABLE, DEADLINE_EXCEEDED and CANCELLED from the client become
 *   EventStoreUnavailableError after two quick retries. For an append the outcome of a call cut in flight is
 *   unknown to anyone; the retry of the same append (same ids, same expected version) settles it once.
 */
import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  StreamNotFoundError as EsdbStreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  convertToCommandError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { createHash } from 'node:crypto';
import { canonicalJson, chain, sha256 } from './hash-chain';
import { createWaker, SUBSCRIPTION_BATCH_SIZE } from './polling-subscription';
import {
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedVersion,
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

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://127.0.0.1:2113?tls=false`, or `esdb+discover://node1:2113,node2:2113,node3:2113` for a cluster. */
  connectionString: string;
}

/** Events of one append share a commit position; the position keeps room for this many. */
export const POSITION_SLOTS_PER_COMMIT = 4096;
/** At most this many events in one append (also far below EventStoreDB's 1 MiB default append size). */
export const APPEND_EVENTS_MAX = POSITION_SLOTS_PER_COMMIT - 1;
const COMMIT_POSITION_MAX = BigInt(Math.floor(Number.MAX_SAFE_INTEGER / POSITION_SLOTS_PER_COMMIT) - 1);
/** Streams of idempotency records: user streams (not `$`), hidden from readAll and subscribe. */
export const IDEMPOTENCY_STREAM_PREFIX = 'fundtrail-idempotency-';
const APPEND_ATTEMPTS_MAX = 100;
const SETTLE_ROUNDS_MAX = 20;
const TRANSIENT_RETRY_DELAYS_MS = [100, 300];
const READ_PAGES_MAX = 1_000_000;
const SUBSCRIPTION_RETRY_MS_MAX = 2_000;

/** What Fundtrail writes as an event's EventStoreDB metadata: the port's metadata plus the chain. */
interface Envelope {
  fundtrail: 1;
  appendIndex: number;
  prevHash: string;
  hash: string;
  metadata: EventMetadata;
  /** EventStoreDB's own names, so its UI and system projections ($by_correlation_id) understand them. */
  $correlationId?: string;
  $causationId?: string;
}

type ChainedEvent = NewEvent & { version: number; prevHash: string; hash: string };

interface ClaimData {
  key: string;
  requestHash: string;
  response: unknown;
  streamId: string;
  /** The stream's last revision the events were chained after (-1: none). */
  expectedRevision: number;
  events: Array<Omit<ChainedEvent, 'version'>>;
}

interface CommittedData {
  key: string;
  requestHash: string;
  response: unknown;
  streamId: string;
  firstVersion: number;
  eventIds: string[];
}

const CLAIMED = 'IdempotencyClaimed';
const COMMITTED = 'IdempotencyCommitted';
const ABORTED = 'IdempotencyAborted';

export class EsdbEventStore implements EventStore {
  readonly name = 'esdb';
  private readonly client: EventStoreDBClient;
  private readonly target: string;

  constructor(options: EsdbEventStoreOptions) {
    this.target = redact(options.connectionString);
    try {
      this.client = EventStoreDBClient.connectionString(options.connectionString);
    } catch (error) {
      throw new EventStoreUnavailableError('esdb', `bad connection string ${this.target}: ${(error as Error).message}`, error);
    }
  }

  /** Fails fast, naming the server, when EventStoreDB cannot be reached. */
  async connect(): Promise<void> {
    try {
      await collect(this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: 5_000 }));
    } catch (error) {
      throw new EventStoreUnavailableError(
        'esdb',
        `cannot reach EventStoreDB at ${this.target} (${(error as Error).message}); is it running, and for an insecure node does the connection string say tls=false?`,
        error,
      );
    }
  }

  // ----------------------------------------------------------------------------------------------
  // append

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    assertUserStream(streamId);
    if (events.length > APPEND_EVENTS_MAX) throw new Error(`an append holds at most ${APPEND_EVENTS_MAX} events, this one ${events.length}`);
    const { expectedVersion, idempotency } = options;
    for (let attempt = 0; attempt < APPEND_ATTEMPTS_MAX; attempt++) {
      let claimNext: AppendExpectedRevision = NO_STREAM;
      if (idempotency) {
        const state = await this.settleIdempotency(idempotency.key);
        if (state.record) throw new IdempotencyReplayError(state.record);
        claimNext = state.next;
      }
      const tail = await this.readStream(streamId, { direction: 'backwards', limit: Math.max(1, events.length) });
      const actual = tail.length > 0 ? tail[0].version : -1;
      if (!versionMatches(expectedVersion, actual)) {
        const replay = await this.replayAt(streamId, events, expectedVersion);
        if (replay) return replay;
        throw new WrongExpectedVersionError(streamId, expectedVersion, actual);
      }
      if (expectedVersion === 'any' || expectedVersion === 'stream-exists') {
        const last = [...tail].reverse().slice(-events.length);
        if (events.length > 0 && sameIds(last, events)) return { streamId, nextExpectedVersion: last[last.length - 1].version, events: last };
      }
      const chained = chain(streamId, actual + 1, tail[0]?.hash ?? '', events);
      let claim: { stream: string; revision: number; id: string; data: ClaimData } | undefined;
      if (idempotency) {
        claim = await this.writeClaim(claimNext, {
          key: idempotency.key,
          requestHash: idempotency.requestHash,
          response: idempotency.response,
          streamId,
          expectedRevision: actual,
          events: chained.map(({ version: _version, ...event }) => event),
        });
        if (!claim) continue; // another append took the key first: settle it again
      }
      if (events.length > 0) {
        try {
          await this.appendChained(streamId, actual, chained);
        } catch (error) {
          if (!(error instanceof EsdbWrongExpectedVersionError)) throw error;
          if (claim) {
            const settled = await this.settleIdempotency(idempotency!.key);
            // someone settling our claim may have written our very events: then they are ours to answer
            if (settled.record && settled.claimId === claim.id) return this.readBack(streamId, actual, chained);
            if (settled.record) throw new IdempotencyReplayError(settled.record);
          }
          if (expectedVersion === 'any' || expectedVersion === 'stream-exists') continue;
          const current = esdbRevision(error.actualVersion);
          const replay = await this.replayAt(streamId, events, expectedVersion);
          if (replay) return replay;
          throw new WrongExpectedVersionError(streamId, expectedVersion, current);
        }
      }
      const recorded = events.length > 0 ? await this.readBack(streamId, actual, chained) : { streamId, nextExpectedVersion: actual, events: [] };
      if (claim) await this.settleIdempotency(claim.data.key).catch(() => undefined); // writes the commit marker; a later reader would too
      return recorded;
    }
    throw new Error(`append to ${streamId}: still racing other writers after ${APPEND_ATTEMPTS_MAX} attempts`);
  }

  /** Appends events already chained after revision `afterRevision`, with EventStoreDB's exact expected revision. */
  private async appendChained(streamId: string, afterRevision: number, chained: Array<Omit<ChainedEvent, 'version'>>): Promise<void> {
    const expectedRevision: AppendExpectedRevision = afterRevision < 0 ? NO_STREAM : BigInt(afterRevision);
    const esdbEvents = chained.map((event, appendIndex) => {
      const envelope: Envelope = {
        fundtrail: 1,
        appendIndex,
        prevHash: event.prevHash,
        hash: event.hash,
        metadata: event.metadata,
        $correlationId: event.metadata?.correlationId,
        $causationId: event.metadata?.causationId,
      };
      return jsonEvent({ id: event.eventId, type: event.type, data: (event.data ?? null) as never, metadata: envelope as never });
    });
    await this.rpc(`append to ${streamId}`, () => this.client.appendToStream(streamId, esdbEvents, { expectedRevision }));
  }

  /** The events of a successful append as stored (one read: their positions are the engine's to give). */
  private async readBack(streamId: string, afterRevision: number, chained: Array<{ eventId: string }>): Promise<AppendResult> {
    const recorded = await this.readStream(streamId, { fromVersion: afterRevision + 1, limit: chained.length });
    if (!sameIds(recorded, chained)) {
      throw new Error(`invariant: the append to ${streamId} succeeded but its events are not at versions ${afterRevision + 1}..`);
    }
    return { streamId, nextExpectedVersion: recorded[recorded.length - 1].version, events: recorded };
  }

  /** A retried append whose events are already where its expected version put them: the first answer again. */
  private async replayAt(streamId: string, events: NewEvent[], expected: ExpectedVersion): Promise<AppendResult | undefined> {
    if (events.length === 0) return undefined;
    const start = expected === 'no-stream' ? 0 : typeof expected === 'number' ? expected + 1 : undefined;
    if (start === undefined || start < 0) return undefined;
    const found = await this.readStream(streamId, { fromVersion: start, limit: events.length });
    if (!sameIds(found, events)) return undefined;
    return { streamId, nextExpectedVersion: found[found.length - 1].version, events: found };
  }

  // ----------------------------------------------------------------------------------------------
  // idempotency: one effect per key without a transaction across streams
  //
  // The record of key K lives in the user stream `fundtrail-idempotency-<sha256(K)>`, whose last event says
  // where K stands:
  //   IdempotencyClaimed   an append holds K: it carries the request hash, the response, the target stream,
  //                        the revision the events were chained after (E), and the events themselves;
  //   IdempotencyCommitted the claimed events are in the target stream at E+1..: K is used, its record final;
  //   IdempotencyAborted   the claimed events can never be written (the slot E+1 holds other events): K is free.
  // An append with K (1) settles K (below), refusing with IdempotencyReplayError if it is used; (2) writes its
  // claim with the exact expected revision of K's stream (no_stream the first time): of concurrent appends
  // with K exactly one claim lands, the others get a wrong-expected-version and go back to (1); (3) appends its
  // events with the exact expected revision E; (4) writes Committed.
  // Settling a pending claim is deterministic and may be done by anyone (a retry, findIdempotency, a rival):
  // if the claimed ids are at E+1.. it is committed; if the target stream is still at E, the claimed events
  // are appended (rolled forward) at E with their own ids, so that if the claimant's own append lands too,
  // EventStoreDB deduplicates it (same ids, same expected revision); if the slot E+1 holds other events, the
  // claim is aborted. A claim is never aborted while its events could still land, and never rolled forward
  // once the slot is taken, so a key has at most one effect, and a crash between (2) and (4) is completed
  // (at least once) by whoever next asks about the key. Marker event ids are derived from the claim's id,
  // and markers are written at the claim's exact revision, so concurrent settlers write one marker.
  // The cost: an idempotent append stores its events twice (in the claim and in its stream).

  private async settleIdempotency(key: string): Promise<{ record?: IdempotencyRecord; claimId?: string; next: AppendExpectedRevision }> {
    const stream = idempotencyStream(key);
    for (let round = 0; round < SETTLE_ROUNDS_MAX; round++) {
      const [last] = await this.readRaw(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      const event = last?.event;
      if (!event) return { next: NO_STREAM };
      const revision = Number(event.revision);
      if (event.type === ABORTED) return { next: event.revision };
      if (event.type === COMMITTED) {
        const data = event.data as unknown as CommittedData;
        return { record: { key: data.key, requestHash: data.requestHash, response: data.response }, claimId: markerOwner(event.metadata), next: event.revision };
      }
      if (event.type !== CLAIMED) throw new Error(`invariant: unknown event ${event.type} in ${stream}`);
      const claim = event.data as unknown as ClaimData;
      const firstVersion = claim.expectedRevision + 1;
      const landed =
        claim.events.length === 0 || sameIds(await this.readStream(claim.streamId, { fromVersion: firstVersion, limit: claim.events.length }), claim.events);
      if (landed) {
        const committed: CommittedData = {
          key: claim.key,
          requestHash: claim.requestHash,
          response: claim.response,
          streamId: claim.streamId,
          firstVersion,
          eventIds: claim.events.map((claimed) => claimed.eventId),
        };
        await this.writeMarker(stream, revision, COMMITTED, event.id, committed);
        continue;
      }
      const [head] = await this.readStream(claim.streamId, { direction: 'backwards', limit: 1 });
      const actual = head ? head.version : -1;
      if (actual === claim.expectedRevision) {
        try {
          await this.appendChained(claim.streamId, claim.expectedRevision, claim.events);
        } catch (error) {
          if (!(error instanceof EsdbWrongExpectedVersionError)) throw error;
        }
        continue;
      }
      await this.writeMarker(stream, revision, ABORTED, event.id, { key: claim.key, reason: `stream ${claim.streamId} moved past version ${claim.expectedRevision}` });
    }
    throw new Error(`idempotency key ${key}: could not settle after ${SETTLE_ROUNDS_MAX} rounds`);
  }

  private async writeClaim(next: AppendExpectedRevision, data: ClaimData): Promise<{ stream: string; revision: number; id: string; data: ClaimData } | undefined> {
    const stream = idempotencyStream(data.key);
    const revision = next === NO_STREAM ? 0 : Number(next) + 1;
    const id = deterministicUuid(`claimed\n${data.key}\n${revision}\n${sha256(canonicalJson(data))}`);
    try {
      await this.rpc(`claim idempotency key ${data.key}`, () =>
        this.client.appendToStream(stream, jsonEvent({ id, type: CLAIMED, data: data as never }), { expectedRevision: next }),
      );
      return { stream, revision, id, data };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) return undefined;
      throw error;
    }
  }

  private async writeMarker(stream: string, claimRevision: number, type: string, claimId: string, data: unknown): Promise<void> {
    const id = deterministicUuid(`${type}\n${claimId}`);
    try {
      await this.rpc(`settle ${stream}`, () =>
        this.client.appendToStream(stream, jsonEvent({ id, type, data: data as never, metadata: { claimId } }), { expectedRevision: BigInt(claimRevision) }),
      );
    } catch (error) {
      if (!(error instanceof EsdbWrongExpectedVersionError)) throw error; // another settler wrote first: read again
    }
  }

  async findIdempotency(key: string): Promise<IdempotencyRecord | undefined> {
    return (await this.settleIdempotency(key)).record;
  }

  // ----------------------------------------------------------------------------------------------
  // reads

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    if (limit <= 0) return [];
    const backwards = options.direction === 'backwards';
    if (options.fromVersion !== undefined && options.fromVersion < 0) return [];
    const fromRevision = backwards ? (options.fromVersion === undefined ? END : BigInt(options.fromVersion)) : BigInt(options.fromVersion ?? 0);
    const resolved = await this.readRaw(streamId, { direction: backwards ? BACKWARDS : FORWARDS, fromRevision, maxCount: limit });
    return resolved.map((event) => {
      const recorded = toRecorded(event);
      if (!recorded) throw new Error(`invariant: stream ${streamId} holds an event not written by Fundtrail (${event.event?.id})`);
      return recorded;
    });
  }

  private async readRaw(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: bigint | typeof START | typeof END; maxCount: number },
  ): Promise<ResolvedEvent[]> {
    return this.rpc(`read ${streamId}`, async () => {
      try {
        return await collect(this.client.readStream(streamId, options));
      } catch (error) {
        if (error instanceof EsdbStreamNotFoundError) return [];
        throw error;
      }
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = Math.min(options.limit ?? READ_BATCH_MAX, READ_BATCH_MAX);
    if (limit <= 0) return [];
    if (options.direction === 'backwards') return this.readAllBackwards(options.after, limit);
    return this.readAllForwards(options.after ?? 0, limit);
  }

  private async readAllForwards(after: number, limit: number): Promise<RecordedEvent[]> {
    const found: RecordedEvent[] = [];
    const pageSize = Math.min(limit + 64, READ_BATCH_MAX);
    let from: Position | typeof START = after <= 0 ? START : { commit: decodePosition(after).commit, prepare: 0n };
    let last: Position | undefined;
    for (let page = 0; page < READ_PAGES_MAX; page++) {
      const batch = await this.readAllPage(from, FORWARDS, pageSize);
      for (const resolved of batch) {
        const position = resolved.event?.position;
        if (!position || (last && comparePositions(position, last) <= 0)) continue;
        last = position;
        const recorded = toLogEvent(resolved);
        if (!recorded || recorded.position <= after) continue;
        found.push(recorded);
        if (found.length >= limit) return found;
      }
      if (batch.length < pageSize || !last) return found;
      from = last;
    }
    throw new Error(`readAll: more than ${READ_PAGES_MAX} pages`);
  }

  private async readAllBackwards(after: number | undefined, limit: number): Promise<RecordedEvent[]> {
    if (after !== undefined && after <= 1) return [];
    const found: RecordedEvent[] = [];
    let from: Position | typeof END = END;
    if (after !== undefined) {
      // the events of after's own append that come before it, then everything committed earlier
      const { commit, index } = decodePosition(after);
      if (index > 0) {
        const group = await this.readAllPage({ commit, prepare: 0n }, FORWARDS, index);
        const before = group
          .filter((resolved) => resolved.event?.position?.commit === commit)
          .map(toLogEvent)
          .filter((recorded): recorded is RecordedEvent => recorded !== undefined && recorded.position < after);
        found.push(...before.reverse().slice(0, limit));
        if (found.length >= limit) return found;
      }
      from = { commit, prepare: 0n };
    }
    const pageSize = Math.min(limit + 64, READ_BATCH_MAX);
    let last: Position | undefined;
    for (let page = 0; page < READ_PAGES_MAX; page++) {
      const batch = await this.readAllPage(from, BACKWARDS, pageSize);
      for (const resolved of batch) {
        const position = resolved.event?.position;
        if (!position || (last && comparePositions(position, last) >= 0)) continue;
        last = position;
        const recorded = toLogEvent(resolved);
        if (!recorded || (after !== undefined && recorded.position >= after)) continue;
        found.push(recorded);
        if (found.length >= limit) return found;
      }
      if (batch.length < pageSize || !last) return found;
      from = last;
    }
    throw new Error(`readAll: more than ${READ_PAGES_MAX} pages`);
  }

  private readAllPage(fromPosition: Position | typeof START | typeof END, direction: typeof FORWARDS | typeof BACKWARDS, maxCount: number) {
    return this.rpc('read $all', () => collect(this.client.readAll({ fromPosition, direction, maxCount })));
  }

  async headPosition(): Promise<number> {
    const [last] = await this.readAllBackwards(undefined, 1);
    return last ? last.position : 0;
  }

  // ----------------------------------------------------------------------------------------------
  // subscribe: catch up by reading `$all` in bounded pages (so that onCaughtUp comes exactly after the
  // history), then a catch-up subscription to `$all` (server filter: no system events) from the last
  // delivered append; on an error, report it, wait (bounded back-off) and resume from the last delivered.

  subscribe(options: SubscribeOptions): Subscription {
    const waker = createWaker();
    let closed = false;
    let delivered = options.after;
    let caughtUpReported = false;
    let live: AllStreamSubscription | undefined;

    const deliver = async (event: RecordedEvent): Promise<boolean> => {
      if (closed) return false;
      if (event.position <= delivered) return true;
      try {
        await options.onEvent(event);
      } catch (error) {
        options.onError?.(error as Error);
        closed = true;
        return false;
      }
      delivered = event.position;
      return true;
    };

    const done = (async () => {
      let failures = 0;
      while (!closed) {
        try {
          for (let page = 0; page < READ_PAGES_MAX; page++) {
            const batch = await this.readAll({ after: delivered, limit: SUBSCRIPTION_BATCH_SIZE });
            for (const event of batch) if (!(await deliver(event))) return;
            if (batch.length < SUBSCRIPTION_BATCH_SIZE) break;
          }
          if (closed) return;
          if (!caughtUpReported) {
            caughtUpReported = true;
            options.onCaughtUp?.();
          }
          const fromPosition: Position | typeof START = delivered <= 0 ? START : { commit: decodePosition(delivered).commit, prepare: 0n };
          live = this.client.subscribeToAll({ fromPosition, filter: excludeSystemEvents() });
          failures = 0;
          for await (const resolved of live) {
            if (closed) return;
            const event = toLogEvent(resolved as AllStreamResolvedEvent);
            if (event && !(await deliver(event))) return;
          }
          if (closed) return;
          throw new EventStoreUnavailableError('esdb', `the subscription to $all at ${this.target} was ended by the server`);
        } catch (error) {
          if (closed) return;
          options.onError?.(this.translate('subscription to $all', error));
          failures += 1;
          await waker.wait(Math.min(100 * 2 ** failures, SUBSCRIPTION_RETRY_MS_MAX));
        } finally {
          const ending = live;
          live = undefined;
          if (ending) await stopSubscription(ending);
        }
      }
    })();

    return {
      close: async () => {
        closed = true;
        waker.wake();
        const ending = live;
        if (ending) await stopSubscription(ending);
        await done;
      },
    };
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  // ----------------------------------------------------------------------------------------------
  // errors

  /** Runs one call; transient failures are retried twice, then reported as EventStoreUnavailableError. */
  private async rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error)) throw this.translate(what, error);
        if (attempt >= TRANSIENT_RETRY_DELAYS_MS.length) throw this.translate(what, error);
        await new Promise((resolve) => setTimeout(resolve, TRANSIENT_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  private translate(what: string, error: unknown): Error {
    if (error instanceof EventStoreUnavailableError) return error;
    if (error instanceof MaxAppendSizeExceededError) {
      return new Error(`${what} refused by EventStoreDB at ${this.target}: larger than its maximum append size of ${error.maxAppendSize} bytes (EVENTSTORE_MAX_APPEND_SIZE)`);
    }
    if (isTransient(error)) {
      return new EventStoreUnavailableError('esdb', `${what} at ${this.target} failed: ${(error as Error).message || (error as Error).name}`, error);
    }
    return error as Error;
  }
}

// ------------------------------------------------------------------------------------------------
// helpers (pure)

/** The client passes some raw gRPC errors through (e.g. from its server-features probe): convert them first. */
function isTransient(raw: unknown): boolean {
  const error = raw !== null && typeof raw === 'object' ? convertToCommandError(raw as Error) : raw;
  return error instanceof UnavailableError || error instanceof DeadlineExceededError || error instanceof CancelledError || error instanceof TimeoutError;
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

async function stopSubscription(subscription: AllStreamSubscription): Promise<void> {
  try {
    await subscription.unsubscribe();
  } catch {
    // already ended
  }
  subscription.destroy();
}

function assertUserStream(streamId: string): void {
  if (streamId.length === 0 || streamId.startsWith('$') || streamId.startsWith(IDEMPOTENCY_STREAM_PREFIX)) {
    throw new Error(`stream name ${JSON.stringify(streamId)} is reserved (system or idempotency stream)`);
  }
}

function idempotencyStream(key: string): string {
  return `${IDEMPOTENCY_STREAM_PREFIX}${sha256(key)}`;
}

/** A name-based UUID (RFC 4122 version 5 layout over sha256): the same name gives the same id. */
export function deterministicUuid(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function markerOwner(metadata: unknown): string | undefined {
  return typeof metadata === 'object' && metadata !== null ? ((metadata as { claimId?: string }).claimId ?? undefined) : undefined;
}

function sameIds(found: Array<{ eventId: string }>, wanted: Array<{ eventId: string }>): boolean {
  return found.length === wanted.length && found.every((event, index) => event.eventId === wanted[index].eventId);
}

function esdbRevision(revision: bigint | string | undefined): number {
  return typeof revision === 'bigint' ? Number(revision) : -1;
}

export function encodePosition(commit: bigint, appendIndex: number): number {
  if (commit < 0n || commit > COMMIT_POSITION_MAX) {
    throw new Error(`EventStoreDB commit position ${commit} is beyond what Fundtrail's numeric position can carry (${COMMIT_POSITION_MAX})`);
  }
  if (!Number.isInteger(appendIndex) || appendIndex < 0 || appendIndex >= APPEND_EVENTS_MAX) throw new Error(`invariant: append index ${appendIndex}`);
  return Number(commit) * POSITION_SLOTS_PER_COMMIT + appendIndex + 1;
}

export function decodePosition(position: number): { commit: bigint; index: number } {
  const zeroBased = position - 1;
  return { commit: BigInt(Math.floor(zeroBased / POSITION_SLOTS_PER_COMMIT)), index: zeroBased % POSITION_SLOTS_PER_COMMIT };
}

function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function isEnvelope(metadata: unknown): metadata is Envelope {
  return typeof metadata === 'object' && metadata !== null && (metadata as Envelope).fundtrail === 1;
}

/** A Fundtrail event as the port records it, or undefined for anything else. */
function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || !event.isJson || !isEnvelope(event.metadata)) return undefined;
  if (!event.position) throw new Error(`invariant: event ${event.id} of ${event.streamId} came without its position`);
  const envelope = event.metadata;
  return {
    streamId: event.streamId,
    version: Number(event.revision),
    position: encodePosition(event.position.commit, envelope.appendIndex),
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: envelope.metadata,
    prevHash: envelope.prevHash,
    hash: envelope.hash,
  };
}

/** For readAll and subscribe: Fundtrail's domain events only (no system events, no idempotency records). */
function toLogEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.streamId.startsWith('$') || event.type.startsWith('$') || event.streamId.startsWith(IDEMPOTENCY_STREAM_PREFIX)) return undefined;
  return toRecorded(resolved);
}

function redact(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Moving a whole history from one store to another (`fundtrail store copy --from <url> --to <url>`).
 *
 * What is kept: every event's id, stream, version, type, data and metadata (so its business and recording
 * dates), in the source's global order, and with them every hash: the target computes its own chain from the
 * content (hash-chain.ts), and the copy checks after each append that the target's hash of every event equals
 * the source's, stopping at the first difference. Idempotency records go along, each written in the same append
 * as the events of its command, so a command retried after the move still has one effect. Global positions are
 * the target's to give: equal on SQLite and PostgreSQL targets (both count from 1 without gaps), EventStoreDB's
 * own on an EventStoreDB target.
 *
 * Resuming: appends are atomic and go in source order, so after an interruption the target holds a prefix of
 * the source. The copy finds the source event equal to the target's last one (same stream, version, id and
 * hash) and continues after it; a target whose last event is not in the source is refused.
 *
 * Verifying (at the end, or alone with `store verify`): both logs are read side by side in order; every pair
 * must agree on id, stream, version, type, hashes and content, every stream's chain must hold (ChainVerifier,
 * the one-pass form of verifyStreamChain), the counts must be equal, and every idempotency record must be there.
 */
import { resolve } from 'node:path';
import type { EventStoreConfig } from './event-store.port';
import { canonicalJson, ChainVerifier, eventHash } from './hash-chain';
import {
  type EventStore,
  type IdempotencyRecord,
  type NewEvent,
  type RecordedEvent,
  IdempotencyReplayError,
  ImportChainError,
} from './event-store.port';
import { readAllInBatches } from './read-all';

/** A copy or verification that found the two stores different: nothing after it was copied. */
export class StoreCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreCopyError';
  }
}

/**
 * `sqlite:///abs/path/events.db` (or `sqlite:relative/events.db`), `postgres://user@host:5432/db?schema=name`,
 * `esdb://host:2113?tls=false` (also esdb+discover://, kurrentdb://).
 */
export function parseStoreUrl(url: string): EventStoreConfig {
  const sqlite = /^sqlite:(?:\/\/)?(.*)$/.exec(url);
  if (sqlite) {
    if (!sqlite[1] || sqlite[1] === '/') throw new StoreCopyError(`${url}: a SQLite store URL names its file, e.g. sqlite:///var/lib/fundtrail/events.db`);
    return { kind: 'sqlite', filename: resolve(sqlite[1]) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StoreCopyError(`${url}: not a valid PostgreSQL URL (postgres://user:password@host:5432/database?schema=name)`);
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', connectionString: parsed.toString(), schema };
  }
  if (/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//.test(url)) return { kind: 'esdb', connectionString: url };
  throw new StoreCopyError(`${url}: unknown store URL; expected sqlite:///path/events.db, postgres://…[?schema=name] or esdb://…`);
}

/** The URL without its password, for messages. */
export function describeStoreUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

export interface CopyOptions {
  /** Copy at most this many events, then stop (a staged copy; the next run resumes). No final verification then. */
  limit?: number;
  /** Events read from the source per batch. */
  batchSize?: number;
  /** Verify the whole target against the source at the end (default true). */
  verify?: boolean;
  onProgress?(copied: number, total: number | undefined): void;
}

export interface CopyReport {
  /** Source position the copy started after (0: from the beginning; more: resumed). */
  resumedAfter: number;
  /** Events already in the target when the copy started. */
  alreadyInTarget: number;
  copied: number;
  /** The source position of the last event copied. */
  lastSourcePosition: number;
  /** True when the whole source is now in the target (false when stopped by `limit`). */
  complete: boolean;
  verification?: VerifyReport;
}

export interface VerifyReport {
  events: number;
  streams: number;
  idempotencyKeys: number;
}

/** Events per source read and the most events in one target append (an EventStoreDB append has a size cap). */
const COPY_BATCH_DEFAULT = 1_000;
const APPEND_EVENTS_MAX = 500;
/** Idempotency records compared at once during verification. */
const KEY_LOOKUPS_IN_FLIGHT = 8;

export async function copyStore(source: EventStore, target: EventStore, options: CopyOptions = {}): Promise<CopyReport> {
  const start = await resumePoint(source, target);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0)) throw new StoreCopyError(`limit must be a number of events, not ${options.limit}`);
  const sourceHead = await source.headPosition();
  // SQLite and PostgreSQL count positions from 1 without gaps, so the head is the number of events
  const total = source.name === 'esdb' ? undefined : Math.max(0, sourceHead - start.after);
  let copied = 0;
  let lastSourcePosition = start.after;
  let complete = true;
  // a copy stopped in the middle of a command resumes without its key (it went with the command's first part)
  let keyOfLastRun = start.lastKey;
  for await (const batch of readAllInBatches(source, { after: start.after, batchSize: options.batchSize ?? COPY_BATCH_DEFAULT })) {
    if (copied >= limit) {
      complete = false;
      break;
    }
    const taken = batch.slice(0, Math.min(batch.length, limit - copied));
    // a source event whose hash does not follow from its content: copy what comes before it, then stop
    const bad = taken.findIndex((event) => eventHash(event.prevHash, event.streamId, event.version, event) !== event.hash);
    const part = bad >= 0 ? taken.slice(0, bad) : taken;
    if (target.importEvents) {
      // one transaction per batch, many streams at once: the fast path (SQLite and PostgreSQL targets)
      const records: IdempotencyRecord[] = [];
      for (const event of part) {
        const key = event.metadata.idempotencyKey;
        // one key is one command, whose events are consecutive: its record goes with its first event
        if (key && key !== keyOfLastRun) {
          const record = await source.findIdempotency(key);
          if (record) records.push(record);
        }
        keyOfLastRun = key;
      }
      await importPart(target, part, records);
    } else {
      for (const run of runsOf(part)) {
        const key = run[0].metadata.idempotencyKey;
        const record = key && key !== keyOfLastRun ? await source.findIdempotency(key) : undefined;
        keyOfLastRun = key;
        await appendRun(target, run, record);
      }
    }
    copied += part.length;
    if (part.length > 0) lastSourcePosition = part[part.length - 1].position;
    options.onProgress?.(copied, total);
    if (bad >= 0) throw ownHashMismatch(taken[bad]);
    if (part.length < batch.length) {
      complete = false;
      break;
    }
  }
  // a limit that falls exactly at the end still leaves a complete copy
  if (!complete && lastSourcePosition >= sourceHead) complete = (await source.readAll({ after: lastSourcePosition, limit: 1 })).length === 0;
  const report: CopyReport = { resumedAfter: start.after, alreadyInTarget: start.inTarget, copied, lastSourcePosition, complete };
  if (complete && options.verify !== false) report.verification = await verifyCopy(source, target);
  return report;
}

/** Where to continue: after the source event equal to the target's last one (0 for an empty target). */
async function resumePoint(source: EventStore, target: EventStore): Promise<{ after: number; inTarget: number; lastKey?: string }> {
  const [last] = await target.readAll({ direction: 'backwards', limit: 1 });
  if (!last) return { after: 0, inTarget: 0 };
  const [match] = await source.readStream(last.streamId, { fromVersion: last.version, limit: 1 });
  if (!match || match.version !== last.version || match.eventId !== last.eventId || match.hash !== last.hash) {
    throw new StoreCopyError(
      `the target is not empty and its last event (${last.streamId} version ${last.version}, id ${last.eventId}) is not the source's: ` +
        'it is not an interrupted copy of this source; copy into an empty store (or a new PostgreSQL schema)',
    );
  }
  const inTarget = target.name === 'esdb' ? Number.NaN : last.position;
  return { after: match.position, inTarget, lastKey: last.metadata.idempotencyKey };
}

/** Consecutive events of one stream and one command (idempotency key), cut at APPEND_EVENTS_MAX. */
function* runsOf(batch: RecordedEvent[]): Generator<RecordedEvent[]> {
  let run: RecordedEvent[] = [];
  for (const event of batch) {
    const previous = run[run.length - 1];
    if (previous && (previous.streamId !== event.streamId || previous.metadata.idempotencyKey !== event.metadata.idempotencyKey || run.length >= APPEND_EVENTS_MAX)) {
      yield run;
      run = [];
    }
    run.push(event);
  }
  if (run.length > 0) yield run;
}

function asNewEvent(event: RecordedEvent): NewEvent {
  return { eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata };
}

async function appendRun(target: EventStore, run: RecordedEvent[], record: IdempotencyRecord | undefined): Promise<void> {
  const first = run[0];
  const expectedVersion = first.version === 0 ? 'no-stream' : first.version - 1;
  let written: RecordedEvent[];
  try {
    written = (await target.append(first.streamId, run.map(asNewEvent), { expectedVersion, idempotency: record })).events;
  } catch (error) {
    if (!(error instanceof IdempotencyReplayError)) throw error;
    // the key is in the target already: only an earlier copy of these very events may have put it there
    written = await target.readStream(first.streamId, { fromVersion: first.version, limit: run.length });
    if (written.length !== run.length || written.some((event, index) => event.eventId !== run[index].eventId)) {
      throw new StoreCopyError(`idempotency key ${record?.key} is already in the target with other events than ${first.streamId} from version ${first.version}`);
    }
  }
  for (let index = 0; index < run.length; index++) {
    const want = run[index];
    const got = written[index];
    if (!got || got.eventId !== want.eventId || got.version !== want.version || got.hash !== want.hash) {
      throw new StoreCopyError(
        `hash mismatch at source position ${want.position} (${want.streamId} version ${want.version}, id ${want.eventId}): ` +
          `the source says ${want.hash}, the target computed ${got?.hash ?? '(nothing)'} (its append is in the target); stopped, nothing after it was copied`,
      );
    }
  }
}

function ownHashMismatch(event: RecordedEvent): StoreCopyError {
  return new StoreCopyError(
    `hash mismatch at source position ${event.position} (${event.streamId} version ${event.version}, id ${event.eventId}): ` +
      `the source's event does not match its own hash (altered after it was written?); stopped before writing it, nothing after it was copied`,
  );
}

async function importPart(target: EventStore, events: RecordedEvent[], records: IdempotencyRecord[]): Promise<void> {
  try {
    await target.importEvents!(events, records);
  } catch (error) {
    if (error instanceof ImportChainError) {
      throw new StoreCopyError(`hash mismatch at source position ${error.event.position}: the target refused it (${error.message})`);
    }
    if (error instanceof IdempotencyReplayError) {
      throw new StoreCopyError(`idempotency key ${error.record.key} is already in the target without its events: the target is not an interrupted copy of this source`);
    }
    throw error;
  }
}

/** Reads both logs side by side and checks that the target is the source, event for event (see the header). */
export async function verifyCopy(source: EventStore, target: EventStore, onProgress?: (events: number) => void): Promise<VerifyReport> {
  const targetBatches = readAllInBatches(target, { batchSize: COPY_BATCH_DEFAULT })[Symbol.asyncIterator]();
  let targetBuffer: RecordedEvent[] = [];
  let targetIndex = 0;
  const nextTarget = async (): Promise<RecordedEvent | undefined> => {
    while (targetIndex >= targetBuffer.length) {
      const next = await targetBatches.next();
      if (next.done) return undefined;
      targetBuffer = next.value;
      targetIndex = 0;
    }
    return targetBuffer[targetIndex++];
  };
  const sourceChain = new ChainVerifier();
  const targetChain = new ChainVerifier();
  let events = 0;
  let idempotencyKeys = 0;
  let previousKey: string | undefined;
  const keys: string[] = [];
  try {
    for await (const batch of readAllInBatches(source, { batchSize: COPY_BATCH_DEFAULT })) {
      for (const want of batch) {
        const got = await nextTarget();
        const where = `event ${events + 1} (source position ${want.position}, ${want.streamId} version ${want.version})`;
        if (!got) throw new StoreCopyError(`the target ends before ${where}: ${events} events in the target, more in the source`);
        const differs = differences(want, got);
        if (differs.length > 0) throw new StoreCopyError(`${where} differs in the target (position ${got.position}): ${differs.join(', ')}`);
        const sourceBreak = sourceChain.check(want);
        if (sourceBreak) throw new StoreCopyError(`the source's own chain is broken at ${where}: ${sourceBreak.problem}`);
        const targetBreak = targetChain.check(got);
        if (targetBreak) throw new StoreCopyError(`the target's chain is broken at ${where}: ${targetBreak.problem}`);
        events += 1;
        // the events of one command are consecutive in the log: compare its key once, at its first event
        const key = want.metadata.idempotencyKey;
        if (key && key !== previousKey) keys.push(key);
        previousKey = key;
      }
      // one look-up per key and store: several at a time (a PostgreSQL pool answers them in parallel)
      for (let index = 0; index < keys.length; index += KEY_LOOKUPS_IN_FLIGHT) {
        const found = await Promise.all(keys.slice(index, index + KEY_LOOKUPS_IN_FLIGHT).map((key) => compareIdempotency(source, target, key)));
        idempotencyKeys += found.reduce((sum, one) => sum + one, 0);
      }
      keys.length = 0;
      onProgress?.(events);
    }
    const extra = await nextTarget();
    if (extra) throw new StoreCopyError(`the target has more events than the source: ${extra.streamId} version ${extra.version} (id ${extra.eventId}) after the last one`);
  } finally {
    await targetBatches.return?.(undefined);
  }
  const sourceStreams = sourceChain.streams();
  const targetStreams = targetChain.streams();
  for (const [streamId, count] of sourceStreams) {
    if (targetStreams.get(streamId) !== count) throw new StoreCopyError(`stream ${streamId}: ${count} events in the source, ${targetStreams.get(streamId) ?? 0} in the target`);
  }
  return { events, streams: sourceStreams.size, idempotencyKeys };
}

function differences(want: RecordedEvent, got: RecordedEvent): string[] {
  const differs: string[] = [];
  if (got.eventId !== want.eventId) differs.push(`id ${got.eventId} instead of ${want.eventId}`);
  if (got.streamId !== want.streamId) differs.push(`stream ${got.streamId} instead of ${want.streamId}`);
  if (got.version !== want.version) differs.push(`version ${got.version} instead of ${want.version}`);
  if (got.type !== want.type) differs.push(`type ${got.type} instead of ${want.type}`);
  if (got.hash !== want.hash) differs.push(`hash ${got.hash} instead of ${want.hash}`);
  if (got.prevHash !== want.prevHash) differs.push('link to the previous event');
  if (canonicalJson(got.data) !== canonicalJson(want.data)) differs.push('data');
  if (canonicalJson(got.metadata) !== canonicalJson(want.metadata)) differs.push('metadata');
  return differs;
}

/** 1 when the key's record is in both stores and equal; throws when the target lacks it or differs. */
async function compareIdempotency(source: EventStore, target: EventStore, key: string): Promise<number> {
  const want = await source.findIdempotency(key);
  if (!want) return 0; // an event may carry a key whose command was not recorded with it (older data): nothing to compare
  const got = await target.findIdempotency(key);
  if (!got) throw new StoreCopyError(`idempotency key ${key} is in the source, not in the target`);
  if (got.requestHash !== want.requestHash || canonicalJson(got.response) !== canonicalJson(want.response)) {
    throw new StoreCopyError(`idempotency key ${key} differs between the source and the target`);
  }
  return 1;
}

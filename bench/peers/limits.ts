/**
 * The limit and Fundtrail's own paths for `npm run bench:peers`: raw reads of each store (SQL + JSON parse,
 * nothing else), an in-memory fold over already-parsed events, bench-only bulk loaders (the adapters' own
 * schemas and hash chain, written in large transactions), and appends through the Ledger service.
 * Each function runs in its own child process (bench/peers/child.ts).
 */
import 'reflect-metadata';
import { commandAt } from '../command-of-event';
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { Client, Pool } from 'pg';
import { type FundCommand, type LedgerEvent, HOLDERS_STREAM, fundIdOfStream, movementsOf } from '../../src/domain';
import type { NewEvent } from '../../src/event-store/event-store.port';
import { ChainVerifier, chain } from '../../src/event-store/hash-chain';
import { PostgresEventStore } from '../../src/event-store/postgres.event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite.event-store';
import { Ledger } from '../../src/ledger/ledger';
import { ProgressBar } from '../../src/shared/progress';
import { type BenchConfig, type PhaseResult, removeSqlite, sqliteHistoryFile } from '../phases';
import { syntheticHistory } from '../synthetic';

export const elapsed = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
export const rate = (events: number, seconds: number) => Math.round(events / seconds);

/** Rows per INSERT statement and per transaction of the bulk loaders. */
const BULK_ROWS_PER_STATEMENT = 2_000;
const BULK_ROWS_PER_TRANSACTION = 100_000;

// ------------------------------------------------------------------------------------------------
// bulk loaders (bench only): the same events, in the same order, chained by the adapter's own chain()

/**
 * Writes the synthetic history into a SQLite file with the adapter's schema (SqliteEventStore creates it),
 * in transactions of 100,000 events, the two unique indexes dropped during the load and built once at the end,
 * synchronous = OFF while loading (a bench file: a crash means generating it again). The result is the file
 * the adapter would have written appending one fund-day at a time (same positions, versions and hashes).
 */
export async function bulkLoadSqlite(config: BenchConfig): Promise<PhaseResult> {
  const file = sqliteHistoryFile(config);
  const partial = `${file}.loading`;
  removeSqlite(partial);
  new SqliteEventStore({ filename: partial }).close();
  const db = new Database(partial);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.exec('DROP INDEX events_stream_version; DROP INDEX events_event_id;');
  const insert = db.prepare('INSERT INTO events (position, stream_id, version, event_id, type, data, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const heads = new Map<string, { version: number; hash: string }>();
  const bar = new ProgressBar(`bulk load sqlite ${config.events.toLocaleString('en-US')}`);
  const started = process.hrtime.bigint();
  let position = 0;
  let hashSeconds = 0;
  let pending: Array<[string, ReturnType<typeof chain>]> = [];
  let pendingEvents = 0;
  const flush = db.transaction((appends: Array<[string, ReturnType<typeof chain>]>) => {
    for (const [streamId, events] of appends) {
      for (const event of events) insert.run(++position, streamId, event.version, event.eventId, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), event.prevHash, event.hash);
    }
  });
  for (const append of syntheticHistory({ events: config.events, seed: config.seed })) {
    const head = heads.get(append.streamId) ?? { version: -1, hash: '' };
    if (append.expectedVersion !== head.version) throw new Error(`bulk load: ${append.streamId} expected ${append.expectedVersion}, head ${head.version}`);
    const hashStarted = process.hrtime.bigint();
    const chained = chain(append.streamId, head.version + 1, head.hash, append.events);
    hashSeconds += elapsed(hashStarted);
    const last = chained[chained.length - 1];
    heads.set(append.streamId, { version: last.version, hash: last.hash });
    pending.push([append.streamId, chained]);
    pendingEvents += chained.length;
    if (pendingEvents >= BULK_ROWS_PER_TRANSACTION) {
      flush(pending);
      pending = [];
      pendingEvents = 0;
      bar.update(position, config.events);
    }
  }
  flush(pending);
  const loadedSeconds = elapsed(started);
  db.exec('CREATE UNIQUE INDEX events_stream_version ON events (stream_id, version); CREATE UNIQUE INDEX events_event_id ON events (event_id);');
  const upsertHead = db.prepare('INSERT INTO streams (stream_id, version, last_hash) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const [streamId, head] of heads) upsertHead.run(streamId, head.version, head.hash);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const seconds = elapsed(started);
  bar.done();
  removeSqlite(file);
  renameSync(partial, file);
  for (const suffix of ['-wal', '-shm']) if (existsSync(partial + suffix)) renameSync(partial + suffix, file + suffix);
  return {
    phase: 'bulk load sqlite',
    ok: true,
    events: position,
    seconds,
    eventsPerSecond: rate(position, seconds),
    details: { streams: heads.size, hashSeconds: +hashSeconds.toFixed(1), rowsSecondsWithGenerator: +loadedSeconds.toFixed(1), indexSeconds: +(seconds - loadedSeconds).toFixed(1) },
  };
}

/**
 * The same for PostgreSQL: the adapter creates its schema (tables, constraints, fundtrail_append), then rows go
 * in with multi-row INSERT … SELECT FROM unnest(…) of 2,000 rows, 100,000 a transaction; `streams` and
 * `log_head` are set at the end as the adapter would have left them.
 */
export async function bulkLoadPostgres(config: BenchConfig): Promise<PhaseResult> {
  const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS "${config.pgSchema}" CASCADE`);
  await admin.end();
  const store = await PostgresEventStore.open({ connectionString: config.postgresUrl, schema: config.pgSchema });
  await store.close();
  const client = new Client({ connectionString: config.postgresUrl });
  await client.connect();
  const s = `"${config.pgSchema}"`;
  const heads = new Map<string, { version: number; hash: string }>();
  const bar = new ProgressBar(`bulk load postgres ${config.events.toLocaleString('en-US')}`);
  const started = process.hrtime.bigint();
  let position = 0;
  let rows: unknown[][] = [[], [], [], [], [], [], [], [], []];
  let inTransaction = 0;
  const send = async () => {
    if (rows[0].length === 0) return;
    if (inTransaction === 0) await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${s}.events (position, stream_id, version, event_id, type, data, metadata, prev_hash, hash)
       SELECT p, st, v, id, t, d::jsonb, m::jsonb, ph, h FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS x(p, st, v, id, t, d, m, ph, h)`,
      rows,
    );
    inTransaction += rows[0].length;
    rows = [[], [], [], [], [], [], [], [], []];
    if (inTransaction >= BULK_ROWS_PER_TRANSACTION) {
      await client.query('COMMIT');
      inTransaction = 0;
      bar.update(position, config.events);
    }
  };
  for (const append of syntheticHistory({ events: config.events, seed: config.seed })) {
    const head = heads.get(append.streamId) ?? { version: -1, hash: '' };
    const chained = chain(append.streamId, head.version + 1, head.hash, append.events);
    const last = chained[chained.length - 1];
    heads.set(append.streamId, { version: last.version, hash: last.hash });
    for (const event of chained) {
      const row = [++position, append.streamId, event.version, event.eventId, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), event.prevHash, event.hash];
      row.forEach((value, index) => rows[index].push(value));
    }
    if (rows[0].length >= BULK_ROWS_PER_STATEMENT) await send();
  }
  await send();
  if (inTransaction > 0) await client.query('COMMIT');
  await client.query('BEGIN');
  for (const [streamId, head] of heads) await client.query(`INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES ($1, $2, $3)`, [streamId, head.version, head.hash]);
  await client.query(`UPDATE ${s}.log_head SET position = $1`, [position]);
  await client.query('COMMIT');
  await client.query(`VACUUM ANALYZE ${s}.events`);
  await client.end();
  const seconds = elapsed(started);
  bar.done();
  return { phase: 'bulk load postgres', ok: true, events: position, seconds, eventsPerSecond: rate(position, seconds), details: { streams: heads.size } };
}

/** Reads a bulk-loaded history back through the adapter and checks every hash link (small histories only). */
export async function verifyChain(config: BenchConfig, kind: 'sqlite' | 'postgres'): Promise<PhaseResult> {
  const store = kind === 'sqlite' ? new SqliteEventStore({ filename: sqliteHistoryFile(config) }) : await PostgresEventStore.open({ connectionString: config.postgresUrl, schema: config.pgSchema });
  const verifier = new ChainVerifier();
  const started = process.hrtime.bigint();
  let events = 0;
  try {
    for await (const batch of store.streamAll!({ batchSize: 5_000 })) {
      for (const event of batch) {
        const broken = verifier.check(event);
        if (broken) return { phase: `verify ${kind}`, ok: false, note: `chain broken at ${JSON.stringify(broken)}` };
        events++;
      }
    }
  } finally {
    await store.close();
  }
  const seconds = elapsed(started);
  return { phase: `verify ${kind}`, ok: true, events, seconds, eventsPerSecond: rate(events, seconds) };
}

// ------------------------------------------------------------------------------------------------
// the limit: read and parse, nothing else

export async function rawReadSqlite(config: BenchConfig): Promise<PhaseResult> {
  const db = new Database(sqliteHistoryFile(config), { readonly: true });
  const started = process.hrtime.bigint();
  let events = 0;
  for (const row of db.prepare<[], { data: string; metadata: string }>('SELECT data, metadata FROM events ORDER BY position').iterate()) {
    JSON.parse(row.data);
    JSON.parse(row.metadata);
    events++;
  }
  const seconds = elapsed(started);
  db.close();
  return { phase: 'raw read sqlite', ok: true, events, seconds, eventsPerSecond: rate(events, seconds) };
}

/** A server-side cursor, 1,000 rows a FETCH; `pg` parses jsonb with JSON.parse. */
export async function rawReadPostgres(config: BenchConfig): Promise<PhaseResult> {
  const client = new Client({ connectionString: config.postgresUrl });
  await client.connect();
  const started = process.hrtime.bigint();
  let events = 0;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query(`DECLARE raw NO SCROLL CURSOR FOR SELECT data, metadata FROM "${config.pgSchema}".events ORDER BY position`);
  for (;;) {
    const { rows } = await client.query({ text: 'FETCH 1000 FROM raw', rowMode: 'array' });
    if (rows.length === 0) break;
    events += rows.length;
  }
  await client.query('COMMIT');
  const seconds = elapsed(started);
  await client.end();
  return { phase: 'raw read postgres', ok: true, events, seconds, eventsPerSecond: rate(events, seconds) };
}

/** Fundtrail's own read paths, no projection: the adapter's streamAll and its readAll pages of 10,000 (what the runner uses). */
export async function adapterRead(config: BenchConfig, kind: 'sqlite' | 'postgres'): Promise<PhaseResult> {
  const store = kind === 'sqlite' ? new SqliteEventStore({ filename: sqliteHistoryFile(config) }) : await PostgresEventStore.open({ connectionString: config.postgresUrl, schema: config.pgSchema });
  try {
    let started = process.hrtime.bigint();
    let events = 0;
    for await (const batch of store.streamAll!({ batchSize: kind === 'sqlite' ? 10_000 : 1_000 })) events += batch.length;
    const streamSeconds = elapsed(started);
    started = process.hrtime.bigint();
    let paged = 0;
    let after = 0;
    for (;;) {
      const page = await store.readAll({ after, limit: 10_000 });
      if (page.length === 0) break;
      paged += page.length;
      after = page[page.length - 1].position;
    }
    const readAllSeconds = elapsed(started);
    return {
      phase: `adapter read ${kind}`,
      ok: true,
      events,
      seconds: streamSeconds,
      eventsPerSecond: rate(events, streamSeconds),
      details: { readAll: { events: paged, seconds: readAllSeconds, eventsPerSecond: rate(paged, readAllSeconds) } },
    };
  } finally {
    await store.close();
  }
}

/** A fold of every (fund, holder) balance into a Map, over events parsed beforehand (100,000 at a time, untimed). */
export async function foldParsed(config: BenchConfig): Promise<PhaseResult> {
  const db = new Database(sqliteHistoryFile(config), { readonly: true });
  const balances = new Map<string, number>();
  let chunk: Array<{ type: string; data: Record<string, unknown> }> = [];
  let foldSeconds = 0;
  let events = 0;
  const fold = () => {
    const started = process.hrtime.bigint();
    for (const event of chunk) foldBalances(balances, event);
    foldSeconds += elapsed(started);
    events += chunk.length;
    chunk = [];
  };
  for (const row of db.prepare<[], { type: string; data: string }>('SELECT type, data FROM events ORDER BY position').iterate()) {
    chunk.push({ type: row.type, data: JSON.parse(row.data) });
    if (chunk.length === 100_000) fold();
  }
  fold();
  db.close();
  return { phase: 'fold parsed', ok: true, events, seconds: foldSeconds, eventsPerSecond: rate(events, foldSeconds), details: { balances: balances.size } };
}

export function foldBalances(balances: Map<string, number>, event: { type: string; data: unknown }): void {
  const fundId = (event.data as { fundId?: string }).fundId;
  if (!fundId) return;
  for (const movement of movementsOf(event as LedgerEvent)) {
    if (movement.from.kind === 'holder') {
      const key = `${fundId}|${movement.from.holderId}`;
      balances.set(key, (balances.get(key) ?? 0) - movement.amountFen);
    }
    if (movement.to.kind === 'holder') {
      const key = `${fundId}|${movement.to.holderId}`;
      balances.set(key, (balances.get(key) ?? 0) + movement.amountFen);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// appends through the Ledger service: load → decide → append, one command at a time

/** One fund command of the history, with the events it decided there (their synthetic ids are kept). */
export interface WorkloadCommand {
  fundId: string;
  command: FundCommand;
  events: number;
  firstVersion: number;
  ids: string[];
}

/**
 * The holders of the history, and its first `commands` fund commands (the commands behind its events, in log
 * order). The synthetic event ids are kept (eventIdFor), so that a reversal names an event that exists.
 */
export function commandWorkload(config: BenchConfig, commands: number): { holders: NewEvent[]; queue: WorkloadCommand[] } {
  const queue: WorkloadCommand[] = [];
  const holders: NewEvent[] = [];
  for (const append of syntheticHistory({ events: Math.max(200_000, commands * 3), seed: config.seed })) {
    if (append.streamId === HOLDERS_STREAM) {
      holders.push(...append.events);
      continue;
    }
    const fundId = fundIdOfStream(append.streamId)!;
    for (let index = 0; index < append.events.length; ) {
      const { command, count } = commandAt(append.events, index);
      const ids = append.events.slice(index, index + count).map((event) => event.eventId);
      queue.push({ fundId, command, events: count, firstVersion: append.expectedVersion + 1 + index, ids });
      index += count;
    }
    if (queue.length >= commands) break;
  }
  return { holders, queue: queue.slice(0, commands) };
}

/**
 * A fresh store holding the history's holders (appended before the clock); then the first `commands` fund
 * commands of the history (the commands behind its events) go through `Ledger.executeFund` one at a time,
 * for at most `maxSeconds`.
 */
export async function ledgerAppend(config: BenchConfig, kind: 'sqlite' | 'postgres', commands: number, target: string, maxSeconds: number): Promise<PhaseResult> {
  const { holders, queue } = commandWorkload(config, commands);
  let store: SqliteEventStore | PostgresEventStore;
  if (kind === 'sqlite') {
    removeSqlite(target);
    store = new SqliteEventStore({ filename: target });
  } else {
    const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
    await admin.end();
    store = await PostgresEventStore.open({ connectionString: config.postgresUrl, schema: target });
  }
  try {
    for (let index = 0; index < holders.length; index += 1_000) await store.append(HOLDERS_STREAM, holders.slice(index, index + 1_000), { expectedVersion: index - 1 });
    const ledger = new Ledger(store);
    const actor = { id: 'bench', role: 'finance' };
    const started = process.hrtime.bigint();
    let done = 0;
    let events = 0;
    for (const { fundId, command, events: count, firstVersion, ids } of queue) {
      await ledger.executeFund(fundId, command, { actor, eventIdFor: (_event, version) => ids[version - firstVersion] });
      done++;
      events += count;
      if (done % 100 === 0 && elapsed(started) > maxSeconds) break;
    }
    const seconds = elapsed(started);
    return { phase: `ledger append ${kind}`, ok: true, events, seconds, eventsPerSecond: rate(events, seconds), details: { commands: done, commandsPerSecond: rate(done, seconds) } };
  } finally {
    await store.close();
    if (kind === 'sqlite') removeSqlite(target);
    else {
      const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
      await admin.end();
    }
  }
}

// ------------------------------------------------------------------------------------------------
// appends through the adapter, the same workload as the peers' append phases

export interface WorkloadAppend {
  streamId: string;
  /** Version of the stream's last event before this append (-1: none). */
  expectedVersion: number;
  events: NewEvent[];
}

/**
 * The fund streams of a history (the holders stream left out), as generated: `fund-day` one fund's day per
 * call (21.6 events on average at 1,000,000), `event` one event per call. Generated before any clock starts.
 */
export function appendWorkload(config: BenchConfig, events: number, mode: 'fund-day' | 'event'): WorkloadAppend[] {
  const appends: WorkloadAppend[] = [];
  let count = 0;
  for (const append of syntheticHistory({ events: Math.max(200_000, events * 2), seed: config.seed + 1 })) {
    if (append.streamId === HOLDERS_STREAM) continue;
    if (mode === 'fund-day') appends.push(append);
    else append.events.forEach((event, index) => appends.push({ streamId: append.streamId, expectedVersion: append.expectedVersion + index, events: [event] }));
    count += append.events.length;
    if (count >= events) break;
  }
  return appends;
}

/** Runs appends until done or `maxSeconds` (checked every call): events/s of what was done. */
export async function timedAppends(appends: WorkloadAppend[], maxSeconds: number, append: (append: WorkloadAppend) => Promise<unknown>): Promise<{ events: number; calls: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let events = 0;
  let calls = 0;
  for (const each of appends) {
    await append(each);
    events += each.events.length;
    calls++;
    if (elapsed(started) > maxSeconds) break;
  }
  return { events, calls, seconds: elapsed(started) };
}

export async function fundtrailAppend(config: BenchConfig, kind: 'sqlite' | 'postgres', mode: 'fund-day' | 'event', events: number, target: string, maxSeconds: number): Promise<PhaseResult> {
  const appends = appendWorkload(config, events, mode);
  let store: SqliteEventStore | PostgresEventStore;
  const admin = kind === 'postgres' ? new Pool({ connectionString: config.postgresUrl, max: 1 }) : undefined;
  if (kind === 'sqlite') {
    removeSqlite(target);
    store = new SqliteEventStore({ filename: target });
  } else {
    await admin!.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
    store = await PostgresEventStore.open({ connectionString: config.postgresUrl, schema: target });
  }
  try {
    const result = await timedAppends(appends, maxSeconds, (append) => store.append(append.streamId, append.events, { expectedVersion: append.expectedVersion }));
    return { phase: `fundtrail append ${kind} ${mode}`, ok: true, events: result.events, seconds: result.seconds, eventsPerSecond: rate(result.events, result.seconds), details: { calls: result.calls, callsPerSecond: rate(result.calls, result.seconds) } };
  } finally {
    await store.close();
    if (kind === 'sqlite') removeSqlite(target);
    else {
      await admin!.query(`DROP SCHEMA IF EXISTS "${target}" CASCADE`);
      await admin!.end();
    }
  }
}

/**
 * The phases of `npm run bench`. Each runs in its own child process (bench/child.ts) so that its peak RSS
 * (process.resourceUsage().maxRSS) is its own; the parent (bench/run.ts) collects the results.
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Pool } from 'pg';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type LedgerEvent, movementsOf } from '../src/domain/events';
import type { EventStore, NewEvent, RecordedEvent } from '../src/event-store/event-store.port';
import { SqliteEventStore } from '../src/event-store/sqlite.event-store';
import { ProgressBar } from '../src/shared/progress';
import { loadHistory } from './load';
import { DEFAULT_SYNTHETIC, type SyntheticAppend, type SyntheticOptions, syntheticFundIds, syntheticHistory } from './synthetic';

export type StoreKind = 'sqlite' | 'postgres';

/** Events per append in the `batch` append benchmark. */
export const BATCH = 100;

export interface BenchConfig {
  events: number;
  seed: number;
  dataDir: string;
  postgresUrl: string;
  /** Schema of the PostgreSQL store holding the history. */
  pgSchema: string;
  /**
   * The synthetic history's funds and fiscal years (default DEFAULT_SYNTHETIC's 100 over 5): a bigger history with the
   * default funds is denser (more projects per fund); with funds and years scaled to it, it is longer at the same density.
   */
  funds?: number;
  years?: number;
}

export interface PhaseResult {
  phase: string;
  ok: boolean;
  /** Why nothing was measured, or what failed. */
  note?: string;
  events?: number;
  seconds?: number;
  eventsPerSecond?: number;
  maxRssMb?: number;
  details?: Record<string, unknown>;
}

export type PhaseRequest =
  | { phase: 'generate'; config: BenchConfig }
  | { phase: 'load'; config: BenchConfig; store: StoreKind }
  | { phase: 'read'; config: BenchConfig; store: StoreKind }
  | { phase: 'append'; config: BenchConfig; store: StoreKind; mode: 'single' | 'batch'; events: number; writer: number; target: string }
  | { phase: 'rebuild'; config: BenchConfig; store: StoreKind }
  | { phase: 'naive'; config: BenchConfig; sample: number; journal: 'wal' | 'delete'; maxSeconds: number };

export const sqliteHistoryFile = (config: BenchConfig) => join(config.dataDir, `history-${historyName(config)}.sqlite`);

function syntheticOptions(config: BenchConfig): Partial<SyntheticOptions> {
  return { events: config.events, seed: config.seed, ...(config.funds ? { funds: config.funds } : {}), ...(config.years ? { years: config.years } : {}) };
}

/** Where the bench keeps its histories and read models (git-ignored), and the PostgreSQL it measures. */
export const BENCH_DATA_DIR = join(__dirname, '..', '..', 'bench', '.data');
export const BENCH_POSTGRES_URL = process.env.FUNDTRAIL_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A history of `bench:peers` (and of rebuild-once, which finds it by the same names): its files in BENCH_DATA_DIR and
 * its PostgreSQL schema are named after its size, seed and shape. `longer`: past 1M events the same size made longer
 * instead of denser, 100 funds over 5 fiscal years per million events, the density of the default 1M history (10M:
 * 1,000 funds over 50 years). The default shape keeps 100 funds over 5 years at every size, so its bigger histories
 * are denser. Up to 1M events the two are the same.
 */
export function peersHistory(events: number, seed: number, options: { longer?: boolean } = {}): BenchConfig {
  const millions = Math.round(events / 1_000_000);
  const shape = options.longer && millions > 1 ? { funds: DEFAULT_SYNTHETIC.funds * millions, years: DEFAULT_SYNTHETIC.years * millions } : {};
  const config: BenchConfig = { events, seed, dataDir: BENCH_DATA_DIR, postgresUrl: BENCH_POSTGRES_URL, pgSchema: '', ...shape };
  return { ...config, pgSchema: `ft_peers_${historySqlName(config)}` };
}

/** What a history's files are named by: its size and seed, and its funds and years when not the default. */
export const historyName = (config: BenchConfig) => `${config.events}-${config.seed}${config.funds || config.years ? `-f${config.funds ?? DEFAULT_SYNTHETIC.funds}y${config.years ?? DEFAULT_SYNTHETIC.years}` : ''}`;
/** historyName as an SQL identifier's part (PostgreSQL schemas and databases): `_` for `-`. */
export const historySqlName = (config: BenchConfig) => historyName(config).replace(/-/g, '_');

/**
 * Reads a history once, untimed, before a phase that reads it is timed, so that every such phase (the raw read, the
 * adapter's read, a rebuild) starts with the history in the OS page cache. Why: session 9's machine pages out file
 * pages untouched for about a minute (a DAMON reclaim scheme, `/sys/kernel/mm/damon`), so the first read after a
 * pause came from the disk: in one run the raw read of 1M events took 9.4 s instead of 3.5–5.0 s, right before a
 * rebuild that found the file warm. SQLite: the file, read through in 1 MB pieces. PostgreSQL: the events table and
 * its indexes through `pg_prewarm` (mode `read`: into the OS cache) where the extension is available, else a count
 * of the table (its heap). Returns the seconds it took (in a phase's details: how cold the history was).
 */
export async function warmHistory(config: BenchConfig, kind: StoreKind): Promise<number> {
  const started = process.hrtime.bigint();
  if (kind === 'sqlite') {
    const file = sqliteHistoryFile(config);
    const descriptor = openSync(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(1 << 20);
      while (readSync(descriptor, buffer, 0, buffer.length, null) > 0);
    } finally {
      closeSync(descriptor);
    }
  } else {
    const pool = new Pool({ connectionString: config.postgresUrl, max: 1 });
    try {
      const table = `"${config.pgSchema}".events`;
      const available = (await pool.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'pg_prewarm'`)).rowCount === 1;
      if (available) {
        await pool.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
        await pool.query(`SELECT pg_prewarm(relation, 'read') FROM (SELECT $1::regclass AS relation UNION ALL SELECT indexrelid::regclass FROM pg_index WHERE indrelid = $1::regclass) AS relations`, [table]);
      } else await pool.query(`SELECT count(*) FROM ${table}`);
    } finally {
      await pool.end();
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The last position of a stored history, 0 when there is none (looked at without opening a store, which would create one). */
export async function historyHead(config: BenchConfig, kind: StoreKind): Promise<number> {
  if (kind === 'sqlite') {
    const file = sqliteHistoryFile(config);
    if (!existsSync(file)) return 0;
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT MAX(position) AS head FROM events').get() as { head: number | null }).head ?? 0;
    } catch {
      return 0;
    } finally {
      db.close();
    }
  }
  const pool = new Pool({ connectionString: config.postgresUrl, max: 1 });
  try {
    const rows = (await pool.query(`SELECT position FROM "${config.pgSchema}".log_head`)).rows as Array<{ position: string }>;
    return Number(rows[0]?.position ?? 0);
  } catch {
    return 0;
  } finally {
    await pool.end();
  }
}

const elapsed = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
const rate = (events: number, seconds: number) => Math.round(events / seconds);

export function removeSqlite(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}

export async function openStore(config: BenchConfig, kind: StoreKind, options: { fresh?: boolean; schema?: string; file?: string } = {}): Promise<EventStore> {
  if (kind === 'sqlite') {
    const file = options.file ?? sqliteHistoryFile(config);
    mkdirSync(dirname(file), { recursive: true });
    if (options.fresh) removeSqlite(file);
    return new SqliteEventStore({ filename: file });
  }
  const schema = options.schema ?? config.pgSchema;
  if (options.fresh) {
    const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await admin.end();
    }
  }
  // through the factory the application uses (src/event-store/create-event-store.ts)
  const { createEventStore } = await import('../src/event-store/create-event-store');
  return createEventStore({ kind: 'postgres', connectionString: config.postgresUrl, schema });
}

// ------------------------------------------------------------------------------------------------

/** The generator alone, into nothing: its own speed and memory. */
export async function generatePhase(config: BenchConfig): Promise<PhaseResult> {
  const bar = new ProgressBar('generate (no store)');
  const started = process.hrtime.bigint();
  let events = 0;
  let appends = 0;
  let bytes = 0;
  const types: Record<string, number> = {};
  for (const append of syntheticHistory(syntheticOptions(config))) {
    appends++;
    for (const event of append.events) {
      events++;
      types[event.type] = (types[event.type] ?? 0) + 1;
      if (events % 100 === 0) bytes += JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
    }
    bar.update(events, config.events);
  }
  const seconds = elapsed(started);
  bar.done();
  return {
    phase: 'generate',
    ok: true,
    events,
    seconds,
    eventsPerSecond: rate(events, seconds),
    details: { appends, eventsPerAppend: +(events / appends).toFixed(1), meanJsonBytes: Math.round((bytes / events) * 100), types },
  };
}

/** Generates the history into a fresh store. */
export async function loadPhase(config: BenchConfig, kind: StoreKind): Promise<PhaseResult> {
  const store = await openStore(config, kind, { fresh: true });
  // PostgreSQL commits cost a WAL flush each (synchronous_commit=on): there the history is loaded as a bulk
  // import, 8 appends in flight and each stream's fund-days merged up to 200 events per append
  const concurrency = kind === 'postgres' ? 8 : 1;
  const coalesce = kind === 'postgres' ? 200 : 1;
  const bar = new ProgressBar(`load ${kind}`);
  try {
    const result = await loadHistory(store, syntheticHistory(syntheticOptions(config)), { concurrency, coalesce, onProgress: (events) => bar.update(events, config.events) });
    bar.done();
    return {
      phase: `load ${kind}`,
      ok: true,
      events: result.events,
      seconds: result.seconds,
      eventsPerSecond: rate(result.events, result.seconds),
      details: { appends: result.appends, eventsPerAppend: +(result.events / result.appends).toFixed(1), concurrency, coalesce, generatorIncluded: true },
    };
  } finally {
    await store.close();
  }
}

/** A fold of every balance in memory (movementsOf into a Map): the ceiling of any projection. */
function foldBalances(balances: Map<string, number>, event: RecordedEvent): void {
  const fundId = (event.data as { fundId?: string }).fundId;
  if (!fundId) return;
  for (const movement of movementsOf({ type: event.type, data: event.data } as LedgerEvent)) {
    for (const [place, sign] of [
      [movement.from, -1],
      [movement.to, 1],
    ] as const) {
      if (place.kind !== 'holder') continue;
      const key = `${fundId}|${place.holderId}`;
      balances.set(key, (balances.get(key) ?? 0) + sign * movement.amountFen);
    }
  }
}

/** Reads the whole history: raw (SQL + JSON.parse), through the port, and with an in-memory fold. */
export async function readPhase(config: BenchConfig, kind: StoreKind): Promise<PhaseResult> {
  const details: Record<string, unknown> = {};
  const store = await openStore(config, kind);
  const total = await store.headPosition();
  try {
    if (kind === 'sqlite') {
      const db = new Database(sqliteHistoryFile(config), { readonly: true });
      let started = process.hrtime.bigint();
      let count = 0;
      let bytes = 0;
      for (const row of db.prepare<[], { data: string; metadata: string }>('SELECT data, metadata FROM events ORDER BY position').iterate()) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
        bytes += row.data.length + row.metadata.length;
        count++;
      }
      details.raw = { what: 'better-sqlite3 .iterate() of data+metadata in position order, JSON.parse both', events: count, seconds: elapsed(started), eventsPerSecond: rate(count, elapsed(started)) };
      details.meanJsonBytes = Math.round(bytes / count);
      db.close();
      started = process.hrtime.bigint();
      count = 0;
      for (const _event of (store as SqliteEventStore).iterateAll()) count++;
      details.iterateAll = { what: 'SqliteEventStore.iterateAll() (whole rows → RecordedEvent)', events: count, seconds: elapsed(started), eventsPerSecond: rate(count, elapsed(started)) };
    }
    // through the port: readAll in pages of 10,000 (what a projection runner on any adapter does)
    let started = process.hrtime.bigint();
    let count = 0;
    let after = 0;
    const bar = new ProgressBar(`read ${kind} (readAll)`);
    for (;;) {
      const page = await store.readAll({ after, limit: 10_000 });
      if (page.length === 0) break;
      count += page.length;
      after = page[page.length - 1].position;
      bar.update(count, total);
    }
    bar.done();
    const readAllSeconds = elapsed(started);
    details.readAll = { what: 'EventStore.readAll pages of 10,000 (port)', events: count, seconds: readAllSeconds, eventsPerSecond: rate(count, readAllSeconds) };
    // the same read with a fold of all balances in memory: the ceiling of a projection rebuild
    started = process.hrtime.bigint();
    const balances = new Map<string, number>();
    after = 0;
    for (;;) {
      const page = await store.readAll({ after, limit: 10_000 });
      if (page.length === 0) break;
      for (const event of page) foldBalances(balances, event);
      after = page[page.length - 1].position;
    }
    const foldSeconds = elapsed(started);
    details.readAllWithFold = { what: 'readAll pages of 10,000 + in-memory fold of every (fund, holder) balance', events: count, seconds: foldSeconds, eventsPerSecond: rate(count, foldSeconds), balances: balances.size };
    const best = kind === 'sqlite' ? (details.raw as { eventsPerSecond: number }).eventsPerSecond : rate(count, readAllSeconds);
    return { phase: `read ${kind}`, ok: true, events: count, seconds: readAllSeconds, eventsPerSecond: best, details };
  } finally {
    await store.close();
  }
}

/**
 * One writer of the append benchmark: appends `events` synthetic events to its own streams of a shared target
 * (a SQLite file or a PostgreSQL schema), one event per append (`single`) or as generated, one fund's day per
 * append (`batch`). The events are generated before the clock starts. Several writers run as several processes.
 */
export async function appendPhase(
  config: BenchConfig,
  kind: StoreKind,
  mode: 'single' | 'batch',
  events: number,
  writer: number,
  target: string,
  ready: () => Promise<void>,
): Promise<PhaseResult> {
  const appends: SyntheticAppend[] = [];
  const open = new Map<string, SyntheticAppend>();
  let generated = 0;
  // the history after its holders, with this writer's own stream names and event ids; `batch`: 100 consecutive
  // events of one stream per append (a fund's days coalesced), `single`: one event per append
  for (const append of syntheticHistory({ events: Math.max(2 * events, 200_000), seed: config.seed + 1000 * (writer + 1), enterprises: 2_000 })) {
    if (append.streamId === 'holders') continue;
    const streamId = `w${writer}-${append.streamId}`;
    append.events.forEach((event, index) => {
      if (mode === 'single') {
        appends.push({ streamId, expectedVersion: append.expectedVersion + index, events: [event] });
        return;
      }
      let current = open.get(streamId);
      if (!current) {
        current = { streamId, expectedVersion: append.expectedVersion + index, events: [] };
        open.set(streamId, current);
        appends.push(current);
      }
      current.events.push(event);
      if (current.events.length === BATCH) open.delete(streamId);
    });
    generated += append.events.length;
    if (generated >= events) break;
  }
  const store = kind === 'sqlite' ? await openStore(config, 'sqlite', { file: target }) : await openStore(config, 'postgres', { schema: target });
  try {
    await ready();
    const started = process.hrtime.bigint();
    let count = 0;
    for (const append of appends) {
      await store.append(append.streamId, append.events as NewEvent[], { expectedVersion: append.expectedVersion });
      count += append.events.length;
    }
    const seconds = elapsed(started);
    return {
      phase: `append ${kind} ${mode} writer ${writer}`,
      ok: true,
      events: count,
      seconds,
      eventsPerSecond: rate(count, seconds),
      details: { appends: appends.length, startedAtMs: Number(started / 1_000_000n), endedAtMs: Number(process.hrtime.bigint() / 1_000_000n) },
    };
  } finally {
    await store.close();
  }
}

// ------------------------------------------------------------------------------------------------
// the projections (projections/index.ts, built by another engineer): wired when it exists

interface ProjectionsModule {
  rebuildAll?: (store: EventStore, dataSource: DataSource, options?: { onProgress?: (done: number, total: number) => void; until?: number }) => Promise<unknown>;
  openReadModelDataSource?: (config: { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; schema?: string }, entities?: unknown[]) => Promise<DataSource>;
  PROJECTION_ENTITIES?: unknown[];
  /** A SQLite read model's files (the base and one per projection); older versions had one file. */
  readModelFiles?: (filename: string) => string[];
  QUERIES?: Record<string, unknown>;
  runQuery?: (name: string, dataSource: DataSource, fundId: string, cut?: { asOf?: string; atPosition?: number; today?: string }) => Promise<unknown>;
  [name: string]: unknown;
}

export function loadProjections(): { module?: ProjectionsModule; note?: string } {
  const path = join(__dirname, '..', 'projections', 'index.js');
  if (!existsSync(path)) return { note: 'projections/index.ts does not exist yet (the projections are being built by another engineer): nothing measured' };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path) as ProjectionsModule;
  if (typeof module.rebuildAll !== 'function') return { module, note: `projections/index.ts exports no rebuildAll (exports: ${Object.keys(module).join(', ')}): nothing measured` };
  return { module };
}

export interface QueryLatency {
  query: string;
  cut: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  notFound: number;
}

export async function rebuildPhase(
  config: BenchConfig,
  kind: StoreKind,
  options: { queries?: boolean; until?: number; onProgress?: (done: number) => void } = {},
): Promise<PhaseResult> {
  const { module, note } = loadProjections();
  if (!module?.rebuildAll || note) return { phase: `rebuild ${kind}`, ok: false, note };
  const store = await openStore(config, kind);
  const readModelFile = join(config.dataDir, `read-model-${historyName(config)}.sqlite`);
  const readSchema = `${config.pgSchema}_rm`;
  if (kind === 'sqlite') for (const file of module.readModelFiles?.(readModelFile) ?? [readModelFile]) removeSqlite(file);
  else {
    const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${readSchema}" CASCADE`);
    await admin.end();
  }
  const readModelConfig = kind === 'sqlite' ? { kind: 'sqlite' as const, filename: readModelFile } : { kind: 'postgres' as const, url: config.postgresUrl, schema: readSchema };
  let dataSource: DataSource;
  if (module.openReadModelDataSource) dataSource = await module.openReadModelDataSource(readModelConfig, module.PROJECTION_ENTITIES ?? []);
  else {
    dataSource =
      kind === 'sqlite'
        ? new DataSource({ type: 'better-sqlite3', database: readModelFile, enableWAL: true })
        : new DataSource({ type: 'postgres', url: config.postgresUrl, schema: readSchema });
    await dataSource.initialize();
  }
  const head = await store.headPosition();
  const total = Math.min(options.until ?? head, head);
  const bar = new ProgressBar(`rebuild all projections from ${kind}`);
  try {
    const started = process.hrtime.bigint();
    const onProgress = (done: number) => {
      bar.update(done, total);
      options.onProgress?.(done);
    };
    const outcome = await module.rebuildAll(store, dataSource, { onProgress, ...(options.until ? { until: options.until } : {}) });
    const seconds = elapsed(started);
    bar.done();
    const rssAfterRebuildMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const queries =
      options.queries === false
        ? 'not timed in this run'
        : module.runQuery && module.QUERIES
          ? await timeQueries(module, dataSource, config, total)
          : 'projections/index.ts exports no runQuery/QUERIES';
    return { phase: `rebuild ${kind}`, ok: true, events: total, seconds, eventsPerSecond: rate(total, seconds), details: { outcome: summarise(outcome), rssAfterRebuildMb, queries } };
  } finally {
    await dataSource.destroy();
    await store.close();
  }
}

/**
 * Timed passes over the 20 funds after the warm-up: 300 calls a query and cut, so that a p99 is the 297th of 300 and
 * not, as with the 100 calls of sessions 1–7, the slowest call.
 */
export const QUERY_PASSES = 15;

/** The nearest-rank percentile of ascending `sorted` (q in (0, 1]): the smallest value with at least q of them at or under it. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

/**
 * Every query of QUERIES on 20 funds of the history, at three cuts (now, as of a business date, as of a log
 * position); one warm-up pass, then up to QUERY_PASSES passes (at most 15 s per query and cut). Latency of the call as
 * the API makes it (read model only, no HTTP).
 */
async function timeQueries(module: ProjectionsModule, dataSource: DataSource, config: BenchConfig, head: number): Promise<QueryLatency[]> {
  const funds = syntheticFundIds({ events: config.events, seed: config.seed }).filter((fund) => fund.fiscalYear <= DEFAULT_SYNTHETIC.firstYear + 2);
  const sample = funds.filter((_, index) => index % Math.max(1, Math.floor(funds.length / 20)) === 0).slice(0, 20);
  const cuts: Array<[string, (fund: { fiscalYear: number }) => { asOf?: string; atPosition?: number; today?: string }]> = [
    ['now', () => ({ today: '2026-01-01' })],
    ['asOf business date', (fund) => ({ asOf: `${fund.fiscalYear + 1}-06-30` })],
    ['atPosition (half the log)', () => ({ atPosition: Math.floor(head / 2), today: '2026-01-01' })],
  ];
  const results: QueryLatency[] = [];
  for (const query of Object.keys(module.QUERIES!)) {
    for (const [cutName, cutOf] of cuts) {
      const times: number[] = [];
      let notFound = 0;
      const started = process.hrtime.bigint();
      for (let pass = 0; pass <= QUERY_PASSES; pass++) {
        for (const fund of sample) {
          const t0 = process.hrtime.bigint();
          try {
            await module.runQuery!(query, dataSource, fund.fundId, cutOf(fund));
          } catch (error) {
            if ((error as Error).name !== 'FundNotFoundError') throw error;
            if (pass === 0) notFound++;
          }
          if (pass > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        if (elapsed(started) > 15) break;
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => +percentile(times, q).toFixed(2);
      results.push({ query, cut: cutName, samples: times.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: +(times[times.length - 1] ?? NaN).toFixed(2), notFound });
    }
  }
  return results;
}

function summarise(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text && text.length > 2_000 ? `${text.slice(0, 2_000)}…` : value;
  } catch {
    return String(value);
  }
}

// ------------------------------------------------------------------------------------------------
// the naive projection: what a conventional NestJS/TypeORM service does, one entity saved per event

@Entity('naive_balance')
export class NaiveBalance {
  @PrimaryColumn('text') fundId: string;
  @PrimaryColumn('text') holderId: string;
  @Column('integer') balanceFen: number;
}

@Entity('naive_checkpoint')
export class NaiveCheckpoint {
  @PrimaryColumn('text') name: string;
  @Column('integer') position: number;
}

/**
 * For every event: for each holder its money moves touch, `findOne` the balance row and `save` it; then
 * `save` the checkpoint (so a crash does not double-count, as a conventional service would do it: one
 * write per event, no shared transaction). Events that move no money only save the checkpoint.
 */
export async function naivePhase(config: BenchConfig, sample: number, journal: 'wal' | 'delete', maxSeconds = 60): Promise<PhaseResult> {
  const file = join(config.dataDir, `naive-${journal}.sqlite`);
  removeSqlite(file);
  const dataSource = new DataSource({ type: 'better-sqlite3', database: file, entities: [NaiveBalance, NaiveCheckpoint], synchronize: true, enableWAL: journal === 'wal' });
  await dataSource.initialize();
  const balances = dataSource.getRepository(NaiveBalance);
  const checkpoints = dataSource.getRepository(NaiveCheckpoint);
  // a sample from the middle of the log (funds in full swing), read before the clock starts
  const store = await openStore(config, 'sqlite');
  const head = await store.headPosition();
  const events: RecordedEvent[] = [];
  let after = Math.max(0, Math.floor(head / 2) - Math.floor(sample / 2));
  while (events.length < sample) {
    const page = await store.readAll({ after, limit: Math.min(10_000, sample - events.length) });
    if (page.length === 0) break;
    events.push(...page);
    after = page[page.length - 1].position;
  }
  await store.close();
  const bar = new ProgressBar(`naive TypeORM projection (${journal === 'wal' ? 'WAL' : 'default journal'})`);
  let writes = 0;
  let done = 0;
  try {
    const started = process.hrtime.bigint();
    for (const event of events) {
      // a slow disk must not hold the whole run: stop after maxSeconds, the rate is what was done
      if (elapsed(started) > maxSeconds) break;
      const fundId = (event.data as { fundId?: string }).fundId;
      if (fundId) {
        for (const movement of movementsOf({ type: event.type, data: event.data } as LedgerEvent)) {
          for (const [place, sign] of [
            [movement.from, -1],
            [movement.to, 1],
          ] as const) {
            if (place.kind !== 'holder') continue;
            const row = (await balances.findOne({ where: { fundId, holderId: place.holderId } })) ?? balances.create({ fundId, holderId: place.holderId, balanceFen: 0 });
            row.balanceFen += sign * movement.amountFen;
            await balances.save(row);
            writes++;
          }
        }
      }
      await checkpoints.save({ name: 'naive-balances', position: event.position });
      writes++;
      bar.update(++done, events.length);
    }
    const seconds = elapsed(started);
    bar.done();
    return {
      phase: `naive ${journal}`,
      ok: true,
      events: done,
      seconds,
      eventsPerSecond: rate(done, seconds),
      details: {
        what: `TypeORM 0.3 + better-sqlite3, ${journal === 'wal' ? 'WAL' : 'default (rollback) journal'}: findOne + save of a balance row per holder moved, save of a checkpoint per event`,
        writes,
        sampleFrom: events[0]?.position,
        extrapolatedSecondsForHistory: Math.round((head / done) * seconds),
        stoppedEarly: done < events.length,
        historyEvents: head,
      },
    };
  } finally {
    await dataSource.destroy();
  }
}

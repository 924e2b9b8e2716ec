/**
 * `npm run bench`: generates a province-sized synthetic history into a fresh SQLite store and a fresh
 * PostgreSQL schema, then measures reads, appends, the rebuild of every projection, query latency, a naive
 * one-entity-per-event TypeORM projection, and each phase's peak memory (each phase runs in its own process).
 *
 *   npm run bench                      # 1,000,000 events
 *   npm run bench -- --quick           # 100,000 events
 *   npm run bench -- --events 3000000 --seed 7 --no-postgres --naive-sample 20000
 *
 * Environment: FUNDTRAIL_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_EVENTS, BENCH_SEED. Writes bench/results/bench-<events>.json and .md and prints the table.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { BENCH_DATA_DIR, BENCH_POSTGRES_URL, type BenchConfig, type PhaseRequest, type PhaseResult, type QueryLatency, type StoreKind, BATCH, loadProjections, openStore, removeSqlite, sqliteHistoryFile } from './phases';

const ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'child.js');

interface Args {
  events: number;
  seed: number;
  postgres: boolean;
  naiveSample: number;
  appends: boolean;
  reuse: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    events: Number(process.env.BENCH_EVENTS ?? 1_000_000),
    seed: Number(process.env.BENCH_SEED ?? 20220218),
    postgres: true,
    naiveSample: 20_000,
    appends: true,
    reuse: false,
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined || !/^\d[\d_]*$/.test(next)) throw new Error(`${arg} needs a number`);
      return Number(next.replace(/_/g, ''));
    };
    if (arg === '--quick') args.events = 100_000;
    else if (arg === '--events') args.events = value();
    else if (arg === '--seed') args.seed = value();
    else if (arg === '--naive-sample') args.naiveSample = value();
    else if (arg === '--no-postgres') args.postgres = false;
    else if (arg === '--no-appends') args.appends = false;
    else if (arg === '--reuse-history') args.reuse = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('npm run bench -- [--quick | --events N] [--seed N] [--naive-sample N] [--no-postgres] [--no-appends] [--reuse-history]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return args;
}

function runChild(request: PhaseRequest): Promise<PhaseResult> {
  return runChildren([request]).then((results) => results[0]);
}

/** Runs the requests in parallel processes; append writers start together once all are ready. */
function runChildren(requests: PhaseRequest[]): Promise<PhaseResult[]> {
  let ready = 0;
  const children = requests.map((request) => fork(CHILD, [], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] }));
  return Promise.all(
    children.map(
      (child, index) =>
        new Promise<PhaseResult>((resolvePhase) => {
          let result: PhaseResult | undefined;
          child.on('message', (message: { ready?: boolean; result?: PhaseResult }) => {
            if (message.ready && ++ready === children.length) for (const each of children) each.send({ go: true });
            if (message.result) result = message.result;
          });
          child.on('exit', (code) => resolvePhase(result ?? { phase: requests[index].phase, ok: false, note: `child process exited with code ${code} before answering` }));
          child.send(requests[index]);
        }),
    ),
  );
}

async function postgresReachable(url: string): Promise<string | undefined> {
  const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 3_000 });
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

interface Row {
  what: string;
  eventsPerSecond?: number;
  seconds?: number;
  events?: number;
  maxRssMb?: number;
  note?: string;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config: BenchConfig = {
    events: args.events,
    seed: args.seed,
    dataDir: BENCH_DATA_DIR,
    postgresUrl: BENCH_POSTGRES_URL,
    pgSchema: `ft_bench_${args.events}_${args.seed}`,
  };
  mkdirSync(config.dataDir, { recursive: true });
  const machine = {
    cpus: cpus().length,
    cpuModel: readCpuModel(),
    memoryGb: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => +value.toFixed(2)),
  };
  console.error(`fundtrail bench: ${config.events.toLocaleString('en-US')} events, seed ${config.seed}, ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGb} GB, node ${machine.node}`);
  const started = Date.now();
  const rows: Row[] = [];
  const results: PhaseResult[] = [];
  const queries: Array<QueryLatency & { store: StoreKind; note?: string }> = [];
  const add = (what: string, result: PhaseResult) => {
    results.push(result);
    rows.push({ what, eventsPerSecond: result.ok ? result.eventsPerSecond : undefined, seconds: result.seconds, events: result.events, maxRssMb: result.maxRssMb, note: result.ok ? undefined : result.note });
    console.error(`  → ${what}: ${result.ok ? `${result.eventsPerSecond?.toLocaleString('en-US')} events/s (${result.seconds?.toFixed(2)} s, ${result.events?.toLocaleString('en-US')} events), peak RSS ${result.maxRssMb} MB` : `NOT MEASURED: ${result.note}`}`);
  };
  const detail = (result: PhaseResult, key: string) => result.details?.[key] as { eventsPerSecond: number; seconds: number; events: number; what: string } | undefined;

  const pgProblem = args.postgres ? await postgresReachable(config.postgresUrl) : 'skipped (--no-postgres)';
  const stores: StoreKind[] = pgProblem ? ['sqlite'] : ['sqlite', 'postgres'];

  add('generate only (no store)', await runChild({ phase: 'generate', config }));
  for (const store of stores) {
    const existing = args.reuse ? await existingHistory(config, store) : 0;
    if (existing > 0) rows.push({ what: `load ${store}: not measured, --reuse-history: the history of an earlier run (${existing.toLocaleString('en-US')} events) is read again` });
    const load: PhaseResult = existing > 0 ? { phase: `load ${store}`, ok: true } : await runChild({ phase: 'load', config, store });
    if (existing === 0) add(
      store === 'sqlite'
        ? `load ${store}: generate + append, one fund-day per append (${String(load.details?.eventsPerAppend ?? '?')} events on average)`
        : `load ${store}: generate + append, fund-days merged up to 200 events per append, 8 in flight (${String(load.details?.eventsPerAppend ?? '?')} on average)`,
      load,
    );
    if (!load.ok) continue;
    const read = await runChild({ phase: 'read', config, store });
    if (!read.ok) add(`read ${store}`, read);
    for (const key of ['raw', 'iterateAll', 'readAll', 'readAllWithFold']) {
      const d = detail(read, key);
      if (d) rows.push({ what: `read ${store}: ${d.what}`, eventsPerSecond: d.eventsPerSecond, seconds: d.seconds, events: d.events, maxRssMb: read.maxRssMb });
    }
    if (read.ok) results.push(read);

    if (args.appends) {
      const quick = config.events < 1_000_000;
      const sizes =
        store === 'sqlite'
          ? { single: quick ? 5_000 : 20_000, batch: quick ? 50_000 : 200_000 }
          : { single: quick ? 300 : 1_000, batch: quick ? 20_000 : 100_000 };
      for (const mode of ['single', 'batch'] as const) {
        for (const writers of [1, 4]) {
          const target = store === 'sqlite' ? join(config.dataDir, `append-${mode}-${writers}.sqlite`) : `ft_bench_append_${mode}_${writers}`;
          if (store === 'sqlite') removeSqlite(target);
          else await dropSchema(config.postgresUrl, target);
          const perWriter = Math.ceil(sizes[mode] / writers);
          const writerResults = await runChildren(
            Array.from({ length: writers }, (_, writer) => ({ phase: 'append' as const, config, store, mode, events: perWriter, writer, target })),
          );
          const failed = writerResults.find((result) => !result.ok);
          const what = `append ${store}: ${mode === 'single' ? 'one event per append (transaction)' : `${BATCH} events of one stream per append`}, ${writers} writer${writers > 1 ? ' processes' : ''}`;
          if (failed) add(what, failed);
          else {
            const events = writerResults.reduce((sum, result) => sum + (result.events ?? 0), 0);
            const begin = Math.min(...writerResults.map((result) => result.details!.startedAtMs as number));
            const end = Math.max(...writerResults.map((result) => result.details!.endedAtMs as number));
            const seconds = (end - begin) / 1000;
            add(what, { phase: `append ${store} ${mode} x${writers}`, ok: true, events, seconds, eventsPerSecond: Math.round(events / seconds), maxRssMb: Math.max(...writerResults.map((result) => result.maxRssMb ?? 0)) });
          }
          if (store === 'sqlite') removeSqlite(target);
          else await dropSchema(config.postgresUrl, target);
        }
      }
    }

    const rebuilt = await runChild({ phase: 'rebuild', config, store });
    add(`rebuild ALL projections from ${store} (projections/index.ts rebuildAll, into a fresh ${store === 'sqlite' ? 'SQLite file' : 'PostgreSQL schema'})`, rebuilt);
    const latencies = rebuilt.details?.queries;
    if (Array.isArray(latencies)) for (const latency of latencies as QueryLatency[]) queries.push({ store, ...latency });
    else if (rebuilt.ok) queries.push({ store, query: 'all', cut: '', samples: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN, notFound: 0, note: String(latencies) });
  }
  if (pgProblem) rows.push({ what: 'postgres (every phase)', note: `not measured: ${pgProblem}` });

  // query latency: measured in the rebuild phase, on the rebuilt read model
  const { note: projectionsNote } = loadProjections();
  if (projectionsNote) rows.push({ what: 'query latency p50/p99 per projection endpoint', note: `not measured: ${projectionsNote}` });

  // the naive projection, on a sample, extrapolated
  const naiveWal = await runChild({ phase: 'naive', config, sample: Math.min(args.naiveSample, config.events), journal: 'wal', maxSeconds: 60 });
  add(`naive TypeORM projection (findOne+save per event), WAL, sample of up to ${Math.min(args.naiveSample, config.events).toLocaleString('en-US')} (at most 60 s)`, naiveWal);
  const smallSample = Math.min(Math.ceil(args.naiveSample / 20), config.events);
  const naiveDelete = await runChild({ phase: 'naive', config, sample: smallSample, journal: 'delete', maxSeconds: 20 });
  add(`naive TypeORM projection, default (rollback) journal, sample of up to ${smallSample.toLocaleString('en-US')} (at most 20 s)`, naiveDelete);

  // ratios
  const sqliteRead = results.find((result) => result.phase === 'read sqlite');
  const fold = sqliteRead ? detail(sqliteRead, 'readAllWithFold') : undefined;
  const rebuild = results.find((result) => result.phase === 'rebuild sqlite' && result.ok);
  const ratios: string[] = [];
  if (naiveWal.ok && naiveWal.eventsPerSecond) {
    const extrapolated = naiveWal.details?.extrapolatedSecondsForHistory as number;
    ratios.push(`naive TypeORM (WAL) would take about ${formatDuration(extrapolated)} for the ${config.events.toLocaleString('en-US')} events (EXTRAPOLATED from the sample of ${naiveWal.events?.toLocaleString('en-US')})`);
    if (rebuild?.eventsPerSecond) ratios.push(`rebuildAll (SQLite) / naive TypeORM (WAL) = ${(rebuild.eventsPerSecond / naiveWal.eventsPerSecond).toFixed(0)}×`);
    else ratios.push('rebuildAll / naive: not measured (no rebuildAll yet)');
    if (fold) ratios.push(`in-memory balance fold over readAll (SQLite) / naive TypeORM (WAL) = ${(fold.eventsPerSecond / naiveWal.eventsPerSecond).toFixed(0)}× (the ceiling, not a projection)`);
  }

  (machine as Record<string, unknown>).loadAverageAtEnd = loadavg().map((value) => +value.toFixed(2));
  const report = { machine, config: { events: config.events, seed: config.seed }, command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), totalSeconds: Math.round((Date.now() - started) / 1000), rows, queries, ratios, results };
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `bench-${config.events}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = toMarkdown(report);
  writeFileSync(`${base}.md`, markdown);
  console.log(markdown);
  console.error(`report: ${base}.md and .json (${report.totalSeconds} s in all)`);
}

/** The number of events of an earlier run's history of this size and seed (0: none). */
async function existingHistory(config: BenchConfig, store: StoreKind): Promise<number> {
  if (store === 'sqlite' && !existsSync(sqliteHistoryFile(config))) return 0;
  if (store === 'postgres') {
    const pool = new Pool({ connectionString: config.postgresUrl, max: 1 });
    try {
      const found = await pool.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [config.pgSchema, 'events']);
      if (found.rowCount === 0) return 0;
    } finally {
      await pool.end();
    }
  }
  const opened = await openStore(config, store);
  try {
    return await opened.headPosition();
  } finally {
    await opened.close();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}

function readCpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function toMarkdown(report: {
  machine: Record<string, unknown>;
  config: { events: number; seed: number };
  command: string;
  totalSeconds: number;
  rows: Row[];
  queries: Array<QueryLatency & { store: StoreKind; note?: string }>;
  ratios: string[];
}): string {
  const n = (value?: number) => (value === undefined ? '' : value.toLocaleString('en-US'));
  const lines = [
    `# Fundtrail bench: ${n(report.config.events)} events, seed ${report.config.seed}`,
    '',
    `Machine: ${report.machine.cpus} cpus (${report.machine.cpuModel}), ${report.machine.memoryGb} GB, node ${report.machine.node}, load average (1/5/15 min) ${String(report.machine.loadAverageAtStart)} at start, ${String(report.machine.loadAverageAtEnd)} at end (the machine is shared). Command: \`${report.command}\`. ${report.totalSeconds} s in all.`,
    '',
    '| what | events/s | seconds | events | peak RSS (MB) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...report.rows.map((row) =>
      row.note
        ? `| ${row.what} | not measured | | | ${row.note} |`
        : `| ${row.what} | ${n(row.eventsPerSecond)} | ${row.seconds?.toFixed(2) ?? ''} | ${n(row.events)} | ${n(row.maxRssMb)} |`,
    ),
    '',
    ...(report.queries.length > 0
      ? [
          'Query latency (the projections\' query functions on the rebuilt read model, 20 funds, after one warm-up pass):',
          '',
          '| store | query | cut | samples | p50 (ms) | p99 (ms) | max (ms) | funds not found |',
          '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
          ...report.queries.map((q) => (q.note ? `| ${q.store} | ${q.query} | | | | | | ${q.note} |` : `| ${q.store} | ${q.query} | ${q.cut} | ${q.samples} | ${q.p50Ms} | ${q.p99Ms} | ${q.maxMs} | ${q.notFound} |`)),
          '',
        ]
      : []),
    ...report.ratios.map((ratio) => `- ${ratio}`),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

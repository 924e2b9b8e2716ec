/**
 * `npm run bench:peers`: Fundtrail against the limit of its stores and against its peers, on the same synthetic
 * history, in one run on this machine. Every phase runs in its own process (its own peak RSS); figures are
 * medians of `--runs` runs; histories are generated once into bench/.data (git-ignored) and reused.
 *
 *   npm run bench:peers                                  # 100,000 and 1,000,000 (3 runs, 2 runs) + 10,000,000 streaming (SQLite, 1 run)
 *   npm run bench:peers -- --sizes 100000 --runs 1       # a quick look
 *   npm run bench:peers -- --no-10m --no-emmett --no-postgres
 *
 * The peers (Emmett SQLite and PostgreSQL) are installed by this script into bench/peers/emmett-sqlite and emmett-postgresql with
 * `npm ci` from their own lock files when their node_modules are missing or older than the lock file.
 * Writes bench/results/peers.json and peers.md.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { BENCH_DATA_DIR, BENCH_POSTGRES_URL, type BenchConfig, type PhaseResult, historyHead, peersHistory } from '../phases';
import type { PeerRequest } from './child';
import { PEER_DIRS, emmettPostgresHead, emmettSqliteHead } from './emmett';

const ROOT = resolve(__dirname, '..', '..', '..');
const CHILD = join(__dirname, 'child.js');

interface Args {
  sizes: number[];
  runs: number;
  runsLarge: number;
  seed: number;
  postgres: boolean;
  emmett: boolean;
  emmettSizes: number[];
  peerCapSeconds: number;
  appendCapSeconds: number;
  profile: boolean;
  /** Histories over 1M events longer instead of denser (phases.ts, peersHistory). */
  longer: boolean;
  /** Base name of the report under bench/results. */
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [100_000, 1_000_000, 10_000_000],
    runs: 3,
    runsLarge: 2,
    seed: 20220218,
    postgres: true,
    emmett: true,
    emmettSizes: [100_000],
    peerCapSeconds: 60,
    appendCapSeconds: 8,
    profile: true,
    longer: false,
    out: 'peers',
  };
  const numbers = (text: string | undefined) => {
    if (!text || !/^[\d_,]+$/.test(text)) throw new Error('expected a number or a comma-separated list of numbers');
    return text.split(',').map((each) => Number(each.replace(/_/g, '')));
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--sizes') args.sizes = numbers(argv[++index]);
    else if (arg === '--runs') args.runs = numbers(argv[++index])[0];
    else if (arg === '--runs-large') args.runsLarge = numbers(argv[++index])[0];
    else if (arg === '--seed') args.seed = numbers(argv[++index])[0];
    else if (arg === '--emmett-sizes') args.emmettSizes = numbers(argv[++index]);
    else if (arg === '--peer-cap') args.peerCapSeconds = numbers(argv[++index])[0];
    else if (arg === '--append-cap') args.appendCapSeconds = numbers(argv[++index])[0];
    else if (arg === '--no-10m') args.sizes = args.sizes.filter((size) => size < 10_000_000);
    else if (arg === '--no-postgres') args.postgres = false;
    else if (arg === '--no-emmett') args.emmett = false;
    else if (arg === '--no-profile') args.profile = false;
    else if (arg === '--longer') args.longer = true;
    else if (arg === '--out') args.out = argv[++index] ?? 'peers';
    else if (arg === '--help' || arg === '-h') {
      console.log('npm run bench:peers -- [--sizes 100000,1000000,10000000] [--runs 3] [--runs-large 2] [--emmett-sizes 100000] [--peer-cap 60] [--append-cap 8] [--no-10m] [--no-postgres] [--no-emmett] [--no-profile] [--longer] [--seed N] [--out name]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return args;
}

function runChild(request: PeerRequest, execArgv: string[] = []): Promise<PhaseResult> {
  return new Promise((resolvePhase) => {
    const child = fork(CHILD, [], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], execArgv });
    let result: PhaseResult | undefined;
    child.on('message', (message: { result?: PhaseResult }) => {
      if (message.result) result = message.result;
    });
    child.on('exit', (code) => resolvePhase(result ?? { phase: request.phase, ok: false, note: `child process exited with code ${code} before answering` }));
    child.send(request);
  });
}

/** `npm ci` in a peer's folder when its node_modules are missing or older than its lock file. */
function installPeer(directory: string): string | undefined {
  const installed = join(directory, 'node_modules', '.package-lock.json');
  const lock = join(directory, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return undefined;
  console.error(`bench:peers: npm ci --prefix ${directory} (sqlite3 compiles from source: about 3 minutes)`);
  try {
    execFileSync('npm', ['ci', '--prefix', directory, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    return undefined;
  } catch (error) {
    return `npm ci failed in ${directory}: ${(error as Error).message}`;
  }
}

interface Measurement {
  /** Stable key of what was measured, e.g. "fundtrail.rebuild.sqlite". */
  id: string;
  size: number;
  runs: PhaseResult[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = BENCH_DATA_DIR;
  mkdirSync(dataDir, { recursive: true });
  const postgresUrl = BENCH_POSTGRES_URL;
  const started = Date.now();
  const machine = {
    cpus: cpus().length,
    cpuModel: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model,
    memoryGb: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => +value.toFixed(2)),
    loadAverageAtEnd: [] as number[],
  };
  const notes: string[] = [];
  if (args.longer) notes.push('Histories over 1,000,000 events are longer, not denser: 100 funds over 5 fiscal years per million events (10M: 1,000 funds over 50 years), as dense as the 1M one.');
  let postgres = args.postgres;
  if (postgres) {
    const pool = new Pool({ connectionString: postgresUrl, max: 1, connectionTimeoutMillis: 3_000 });
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      notes.push(`PostgreSQL not measured: ${(error as Error).message}`);
      postgres = false;
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
  let emmett = args.emmett;
  if (emmett) {
    for (const directory of Object.values(PEER_DIRS)) {
      const problem = installPeer(directory);
      if (problem) {
        notes.push(`Emmett not measured: ${problem}`);
        emmett = false;
      }
    }
  }

  const measurements: Measurement[] = [];
  const record = (id: string, size: number, result: PhaseResult) => {
    let entry = measurements.find((each) => each.id === id && each.size === size);
    if (!entry) measurements.push((entry = { id, size, runs: [] }));
    entry.runs.push(result);
    console.error(`  → [${size.toLocaleString('en-US')}] ${id}: ${result.ok ? `${result.eventsPerSecond?.toLocaleString('en-US')} events/s (${result.seconds?.toFixed(2)} s, ${result.events?.toLocaleString('en-US')} events), peak RSS ${result.maxRssMb} MB` : `NOT MEASURED: ${result.note}`}`);
    save();
  };
  const save = () => {
    machine.loadAverageAtEnd = loadavg().map((value) => +value.toFixed(2));
    const report = { machine, command: `npm run bench:peers -- ${process.argv.slice(2).join(' ')}`.trim(), args, totalSeconds: Math.round((Date.now() - started) / 1000), notes, measurements };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', `${args.out}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(ROOT, 'bench', 'results', `${args.out}.md`), toMarkdown(report));
  };

  for (const size of [...args.sizes].sort((a, b) => a - b)) {
    const config = peersHistory(size, args.seed, { longer: args.longer });
    const streaming = size >= 10_000_000;
    const withPostgres = postgres && !streaming;
    const withEmmett = emmett && args.emmettSizes.includes(size);
    const runs = size <= 100_000 ? args.runs : streaming ? 1 : args.runsLarge;

    // histories: generated once, then reused
    if ((await historyHead(config, 'sqlite')) < size) {
      record('load.fundtrail.sqlite.bulk', size, await runChild({ phase: 'bulk-load', config, store: 'sqlite' }));
      if (size <= 100_000) record('verify.fundtrail.sqlite', size, await runChild({ phase: 'verify', config, store: 'sqlite' }));
    }
    if (withPostgres && (await historyHead(config, 'postgres')) < size) {
      record('load.fundtrail.postgres.bulk', size, await runChild({ phase: 'bulk-load', config, store: 'postgres' }));
      if (size <= 100_000) record('verify.fundtrail.postgres', size, await runChild({ phase: 'verify', config, store: 'postgres' }));
    }
    if (withEmmett && (await emmettSqliteHead(config)) < size) record('load.emmett.sqlite', size, await runChild({ phase: 'emmett-load', config, store: 'sqlite' }));
    if (withEmmett && postgres && (await emmettPostgresHead(config)) < size) record('load.emmett.postgres', size, await runChild({ phase: 'emmett-load', config, store: 'postgres' }));

    for (let run = 1; run <= runs; run++) {
      console.error(`bench:peers: ${size.toLocaleString('en-US')} events, run ${run} of ${runs}`);
      record('limit.read.sqlite', size, await runChild({ phase: 'raw-read', config, store: 'sqlite' }));
      record('limit.fold', size, await runChild({ phase: 'fold', config }));
      record('fundtrail.read.sqlite', size, await runChild({ phase: 'adapter-read', config, store: 'sqlite' }));
      record('fundtrail.rebuild.sqlite', size, await runChild({ phase: 'rebuild', config, store: 'sqlite', queries: run === 1 && !streaming }));
      if (withPostgres) {
        record('limit.read.postgres', size, await runChild({ phase: 'raw-read', config, store: 'postgres' }));
        record('fundtrail.read.postgres', size, await runChild({ phase: 'adapter-read', config, store: 'postgres' }));
        record('fundtrail.rebuild.postgres', size, await runChild({ phase: 'rebuild', config, store: 'postgres', queries: run === 1 }));
      }
      if (withEmmett) {
        record('emmett.rebuild.sqlite', size, await runChild({ phase: 'emmett-rebuild', config, store: 'sqlite', maxSeconds: args.peerCapSeconds }));
        if (postgres) record('emmett.rebuild.postgres', size, await runChild({ phase: 'emmett-rebuild', config, store: 'postgres', maxSeconds: args.peerCapSeconds }));
      }
      if (!streaming) record('naive.typeorm.sqlite', size, await runChild({ phase: 'naive', config, sample: 20_000, maxSeconds: 30 }));
      // appends go to fresh stores: they do not depend on the size of the history; measured with the smallest size
      if (!streaming && size === Math.min(...args.sizes)) await appends(config, run);
    }
    if (args.profile && size === 1_000_000) {
      // one folder per engine, one profile per thread in it (the rebuild runs a projection on a worker thread)
      const profileDir = (engine: string) => {
        const directory = join(ROOT, 'bench', '.data', 'profiles', `rebuild-${engine}`);
        rmSync(directory, { recursive: true, force: true });
        mkdirSync(directory, { recursive: true });
        return directory;
      };
      record('profile.fundtrail.rebuild.sqlite', size, await runChild({ phase: 'rebuild', config, store: 'sqlite', queries: false }, ['--cpu-prof', `--cpu-prof-dir=${profileDir('sqlite')}`]));
      if (withPostgres) record('profile.fundtrail.rebuild.postgres', size, await runChild({ phase: 'rebuild', config, store: 'postgres', queries: false }, ['--cpu-prof', `--cpu-prof-dir=${profileDir('postgres')}`]));
    }
  }

  async function appends(config: BenchConfig, run: number): Promise<void> {
    const cap = args.appendCapSeconds;
    const size = 0;
    const file = (name: string) => join(dataDir, `append-${name}.sqlite`);
    record('fundtrail.ledger.sqlite', size, await runChild({ phase: 'ledger-append', config, store: 'sqlite', commands: 20_000, target: file('ledger'), maxSeconds: cap }));
    record('fundtrail.append.sqlite.event', size, await runChild({ phase: 'append', config, store: 'sqlite', mode: 'event', events: 50_000, target: file('event'), maxSeconds: cap }));
    record('fundtrail.append.sqlite.fund-day', size, await runChild({ phase: 'append', config, store: 'sqlite', mode: 'fund-day', events: 150_000, target: file('fund-day'), maxSeconds: cap }));
    if (postgres) {
      record('fundtrail.ledger.postgres', size, await runChild({ phase: 'ledger-append', config, store: 'postgres', commands: 5_000, target: 'ft_peers_ledger', maxSeconds: cap }));
      record('fundtrail.append.postgres.event', size, await runChild({ phase: 'append', config, store: 'postgres', mode: 'event', events: 5_000, target: 'ft_peers_append_event', maxSeconds: cap }));
      record('fundtrail.append.postgres.fund-day', size, await runChild({ phase: 'append', config, store: 'postgres', mode: 'fund-day', events: 100_000, target: 'ft_peers_append_fund_day', maxSeconds: cap }));
    }
    if (emmett) {
      record('emmett.commands.sqlite', size, await runChild({ phase: 'emmett-commands', config, store: 'sqlite', commands: 20_000, target: file('emmett-commands'), maxSeconds: cap }));
      if (postgres) record('emmett.commands.postgres', size, await runChild({ phase: 'emmett-commands', config, store: 'postgres', commands: 5_000, target: 'fundtrail_emmett_commands', maxSeconds: cap }));
      record('emmett.append.sqlite.event', size, await runChild({ phase: 'emmett-append', config, store: 'sqlite', mode: 'event', events: 5_000, target: file('emmett-event'), maxSeconds: cap }));
      record('emmett.append.sqlite.fund-day', size, await runChild({ phase: 'emmett-append', config, store: 'sqlite', mode: 'fund-day', events: 50_000, target: file('emmett-fund-day'), maxSeconds: cap }));
      if (postgres) {
        record('emmett.append.postgres.event', size, await runChild({ phase: 'emmett-append', config, store: 'postgres', mode: 'event', events: 5_000, target: 'fundtrail_emmett_append', maxSeconds: cap }));
        record('emmett.append.postgres.fund-day', size, await runChild({ phase: 'emmett-append', config, store: 'postgres', mode: 'fund-day', events: 100_000, target: 'fundtrail_emmett_append', maxSeconds: cap }));
      }
    }
    void run;
  }

  save();
  console.error(`bench:peers: done in ${Math.round((Date.now() - started) / 1000)} s; bench/results/${args.out}.md and .json`);
}

// ------------------------------------------------------------------------------------------------
// the report

export const LABELS: Record<string, string> = {
  'limit.read.sqlite': 'LIMIT SQLite: better-sqlite3 `.iterate()` of data+metadata + JSON.parse',
  'limit.read.postgres': 'LIMIT PostgreSQL: cursor, FETCH 1,000, jsonb parsed by pg',
  'limit.fold': 'LIMIT in-memory fold of every (fund, holder) balance over parsed events',
  'fundtrail.read.sqlite': 'Fundtrail SQLite adapter `streamAll` (10,000 a batch)',
  'fundtrail.read.postgres': 'Fundtrail PostgreSQL adapter `streamAll` (cursor, 1,000 a FETCH)',
  'fundtrail.rebuild.sqlite': 'Fundtrail `rebuildAll` (every projection), SQLite → SQLite',
  'fundtrail.rebuild.postgres': 'Fundtrail `rebuildAll` (every projection), PostgreSQL → PostgreSQL',
  'emmett.rebuild.sqlite': 'Emmett SQLite 0.38.5: balances projection from the beginning (consumer + processor)',
  'emmett.rebuild.postgres': 'Emmett PostgreSQL 0.42.0: balances projection, `rebuildPostgreSQLProjections`',
  'naive.typeorm.sqlite': 'naive NestJS/TypeORM: findOne + save per holder, save checkpoint per event (WAL), sample of 20,000',
  'fundtrail.ledger.sqlite': 'Fundtrail Ledger service, one command at a time (load → decide → append), SQLite',
  'fundtrail.ledger.postgres': 'Fundtrail Ledger service, one command at a time, PostgreSQL',
  'emmett.commands.sqlite': "Emmett SQLite `CommandHandler`, one command at a time (aggregate the stream → Fundtrail's decideFund → append), the same commands",
  'emmett.commands.postgres': "Emmett PostgreSQL `CommandHandler`, one command at a time (aggregate → decideFund → append), the same commands",
  'fundtrail.append.sqlite.event': 'Fundtrail SQLite adapter, one event per append',
  'fundtrail.append.sqlite.fund-day': 'Fundtrail SQLite adapter, one fund-day per append (batch)',
  'fundtrail.append.postgres.event': 'Fundtrail PostgreSQL adapter, one event per append',
  'fundtrail.append.postgres.fund-day': 'Fundtrail PostgreSQL adapter, one fund-day per append (batch)',
  'emmett.append.sqlite.event': 'Emmett SQLite, one event per appendToStream',
  'emmett.append.sqlite.fund-day': 'Emmett SQLite, one fund-day per appendToStream',
  'emmett.append.postgres.event': 'Emmett PostgreSQL, one event per appendToStream',
  'emmett.append.postgres.fund-day': 'Emmett PostgreSQL, one fund-day per appendToStream',
  'load.fundtrail.sqlite.bulk': 'bench-only bulk loader, SQLite (adapter schema and chain, 100,000 a transaction)',
  'load.fundtrail.postgres.bulk': 'bench-only bulk loader, PostgreSQL (adapter schema and chain, unnest INSERT)',
  'load.emmett.sqlite': 'Emmett SQLite: load the history, one appendToStream per fund-day',
  'load.emmett.postgres': 'Emmett PostgreSQL: load the history, one appendToStream per fund-day',
  'verify.fundtrail.sqlite': 'hash chain of the bulk-loaded SQLite history verified through the adapter',
  'verify.fundtrail.postgres': 'hash chain of the bulk-loaded PostgreSQL history verified through the adapter',
  'profile.fundtrail.rebuild.sqlite': 'Fundtrail rebuild SQLite under --cpu-prof (not a figure: the profile)',
  'profile.fundtrail.rebuild.postgres': 'Fundtrail rebuild PostgreSQL under --cpu-prof (not a figure: the profile)',
};

export interface Summary {
  id: string;
  size: number;
  runs: number;
  eventsPerSecond?: number;
  seconds?: number;
  events?: number;
  maxRssMb?: number;
  failed?: string;
  all: number[];
}

export function summarise(measurements: Measurement[]): Summary[] {
  return measurements.map((measurement) => {
    const ok = measurement.runs.filter((run) => run.ok);
    if (ok.length === 0) return { id: measurement.id, size: measurement.size, runs: 0, failed: measurement.runs[0]?.note?.split('\n')[0], all: [] };
    return {
      id: measurement.id,
      size: measurement.size,
      runs: ok.length,
      eventsPerSecond: Math.round(median(ok.map((run) => run.eventsPerSecond ?? 0))),
      seconds: +median(ok.map((run) => run.seconds ?? 0)).toFixed(2),
      events: ok[0].events,
      maxRssMb: Math.round(median(ok.map((run) => run.maxRssMb ?? 0))),
      all: ok.map((run) => run.eventsPerSecond ?? 0),
    };
  });
}

function toMarkdown(report: { machine: Record<string, unknown>; command: string; totalSeconds: number; notes: string[]; measurements: Measurement[] }): string {
  const n = (value?: number) => (value === undefined ? '' : value.toLocaleString('en-US'));
  const summaries = summarise(report.measurements);
  const find = (id: string, size: number) => summaries.find((each) => each.id === id && each.size === size);
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}` : '');
  const lines = [
    `# bench:peers`,
    '',
    `Machine: ${String(report.machine.cpus)} cpus (${String(report.machine.cpuModel)}), ${String(report.machine.memoryGb)} GB, node ${String(report.machine.node)}; load average ${String(report.machine.loadAverageAtStart)} at start, ${String(report.machine.loadAverageAtEnd)} at end. Command: \`${report.command}\`. ${report.totalSeconds} s in all.`,
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
    '| history | what | events/s (median) | runs | all runs | seconds | events | peak RSS MB | ÷ limit read of its store |',
    '| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...summaries.map((s) => {
      const store = s.id.includes('postgres') ? 'postgres' : 'sqlite';
      const limit = find(`limit.read.${store}`, s.size)?.eventsPerSecond;
      return s.failed
        ? `| ${s.size ? n(s.size) : 'fresh store'} | ${LABELS[s.id] ?? s.id} | not measured | | | | | | ${s.failed} |`
        : `| ${s.size ? n(s.size) : 'fresh store'} | ${LABELS[s.id] ?? s.id} | ${n(s.eventsPerSecond)} | ${s.runs} | ${s.all.map(n).join(' / ')} | ${s.seconds} | ${n(s.events)} | ${n(s.maxRssMb)} | ${s.size && !s.id.startsWith('limit.read') ? ratio(s.eventsPerSecond, limit) : ''} |`;
    }),
    '',
  ];
  const queries = report.measurements.filter((m) => m.id.startsWith('fundtrail.rebuild')).flatMap((m) =>
    m.runs.flatMap((run) => (Array.isArray(run.details?.queries) ? (run.details!.queries as Array<Record<string, unknown>>).map((q) => ({ ...q, size: m.size, store: m.id.split(".")[2] }) as Record<string, unknown> & { size: number }) : [])),
  );
  if (queries.length > 0) {
    lines.push('As-of query latency on the rebuilt read model (ms):', '', '| history | store | query | cut | p50 | p99 | max |', '| ---: | --- | --- | --- | ---: | ---: | ---: |');
    for (const q of queries) lines.push(`| ${n(q.size)} | ${q.store} | ${String(q.query)} | ${String(q.cut)} | ${String(q.p50Ms)} | ${String(q.p99Ms)} | ${String(q.maxMs)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}

/**
 * One rebuild of every projection from a bench history into a fresh read model, in this process: the harness of the
 * interleaved comparisons in docs/projections.md ("Seventh pass"). `bench:peers`' own rebuild phase (phases.ts,
 * rebuildPhase) without the query timing; prints one JSON line: seconds, peak RSS, Node's CPU seconds (every thread).
 *   node dist/bench/rebuild-once.js [--store sqlite|postgres] [--events 1000000] [--until N]
 *   FUNDTRAIL_PROJECTION_THREADS, FUNDTRAIL_PROJECTION_HEAP_MB, FUNDTRAIL_REBUILD_BATCH as for the application
 * The history is the one `npm run bench:peers` leaves (bench/.data/history-<events>-20220218.sqlite, or the schema
 * ft_peers_<events>_20220218), and so is the read model it replaces.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { type BenchConfig, rebuildPhase, sqliteHistoryFile } from './phases';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Whether `bench:peers` left a history of this size (checked without opening a store, which would create one). */
async function hasHistory(config: BenchConfig, kind: 'sqlite' | 'postgres'): Promise<boolean> {
  if (kind === 'sqlite') return existsSync(sqliteHistoryFile(config));
  const admin = new Pool({ connectionString: config.postgresUrl, max: 1 });
  try {
    return ((await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [config.pgSchema])).rowCount ?? 0) > 0;
  } finally {
    await admin.end();
  }
}

async function main(): Promise<void> {
  const kind = option('store') ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`--store ${kind}: sqlite or postgres`);
  const events = Number(option('events') ?? 1_000_000);
  const until = option('until') === undefined ? undefined : Number(option('until'));
  if (!Number.isInteger(events) || events <= 0 || (until !== undefined && (!Number.isInteger(until) || until <= 0))) throw new Error('--events and --until: whole numbers of events');
  // as bench:peers names them (peers/run.ts)
  const seed = 20220218;
  const config: BenchConfig = {
    events,
    seed,
    dataDir: join(__dirname, '..', '..', 'bench', '.data'),
    postgresUrl: process.env.FUNDTRAIL_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    pgSchema: `ft_peers_${events}_${seed}`,
  };
  if (!(await hasHistory(config, kind))) throw new Error(`no history of ${events} events in the ${kind} store: run npm run bench:peers -- --sizes ${events} first`);
  const cpu = process.cpuUsage();
  const result = await rebuildPhase(config, kind, { queries: false, ...(until ? { until } : {}) });
  if (!result.ok) throw new Error(result.note ?? 'the rebuild failed');
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({ store: kind, events: result.events, seconds: +(result.seconds ?? 0).toFixed(2), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), nodeCpuSeconds: +((used.user + used.system) / 1e6).toFixed(2) }),
  );
}

main().catch((error: Error) => {
  console.error(`rebuild-once: ${error.message}`);
  process.exit(1);
});

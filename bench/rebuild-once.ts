/**
 * One rebuild of every projection from a bench history into a fresh read model, in this process: the harness of the
 * interleaved comparisons in docs/projections.md ("Seventh pass"). Prints one JSON line: seconds, peak RSS, Node's
 * CPU seconds (every thread of the process).
 *   node dist/bench/rebuild-once.js [--store sqlite|postgres] [--events 1000000] [--until N]
 *   FUNDTRAIL_PROJECTION_THREADS, FUNDTRAIL_PROJECTION_HEAP_MB, FUNDTRAIL_REBUILD_BATCH as for the application
 * The history is the one `npm run bench:peers` leaves (bench/.data/history-<events>-20220218.sqlite, or the schema
 * ft_peers_<events>_20220218); the read model goes to bench/.data/rebuild-once.sqlite or the schema ft_rebuild_once.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PROJECTION_ENTITIES, ProjectionRunner, ReadModel, openReadModelDataSource } from '../projections';
import { createEventStore } from '../src/event-store/create-event-store';
import type { EventStore } from '../src/event-store/event-store.port';

const SEED = 20220218;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const kind = option('store') ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`--store ${kind}: sqlite or postgres`);
  const events = Number(option('events') ?? 1_000_000);
  const until = option('until') === undefined ? undefined : Number(option('until'));
  if (!Number.isInteger(events) || events <= 0 || (until !== undefined && (!Number.isInteger(until) || until <= 0))) throw new Error('--events and --until: whole numbers of events');
  const url = process.env.FUNDTRAIL_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const dataDir = join(__dirname, '..', '..', 'bench', '.data');
  let store: EventStore;
  let readModel: Parameters<typeof openReadModelDataSource>[0];
  const missing = `no history of ${events} events in the ${kind} store: run npm run bench:peers -- --sizes ${events} first`;
  if (kind === 'sqlite') {
    const history = join(dataDir, `history-${events}-${SEED}.sqlite`);
    if (!existsSync(history)) throw new Error(missing);
    store = await createEventStore({ kind: 'sqlite', filename: history });
    const file = join(dataDir, 'rebuild-once.sqlite');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    readModel = { kind: 'sqlite', filename: file };
  } else {
    const schema = `ft_peers_${events}_${SEED}`;
    const admin = new Pool({ connectionString: url, max: 1 });
    try {
      if ((await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rowCount === 0) throw new Error(missing);
      await admin.query('DROP SCHEMA IF EXISTS ft_rebuild_once CASCADE');
    } finally {
      await admin.end();
    }
    store = await createEventStore({ kind: 'postgres', connectionString: url, schema });
    readModel = { kind: 'postgres', url, schema: 'ft_rebuild_once' };
  }
  if ((await store.headPosition()) === 0) throw new Error(missing);
  const dataSource = await openReadModelDataSource(readModel, PROJECTION_ENTITIES);
  const runner = new ProjectionRunner(store, new ReadModel(dataSource));
  try {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await runner.rebuild(undefined, until === undefined ? {} : { until });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    console.log(JSON.stringify({ store: kind, events: until ?? events, seconds: +seconds.toFixed(2), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), nodeCpuSeconds: +((used.user + used.system) / 1e6).toFixed(2) }));
  } finally {
    await runner.close();
    await dataSource.destroy();
    await store.close();
  }
}

main().catch((error: Error) => {
  console.error(`rebuild-once: ${error.message}`);
  process.exit(1);
});

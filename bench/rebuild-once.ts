/**
 * One rebuild of every projection from a bench history into a fresh read model, in this process: the harness of the
 * interleaved comparisons in docs/projections.md ("Seventh pass"). `bench:peers`' own rebuild phase (phases.ts,
 * rebuildPhase) without the query timing; prints one JSON line: seconds, peak RSS, Node's CPU seconds (every thread).
 *   node dist/bench/rebuild-once.js [--store sqlite|postgres] [--events 1000000] [--until N] [--trace file.csv]
 *                                   [--longer] [--load]
 *   FUNDTRAIL_PROJECTION_THREADS, FUNDTRAIL_PROJECTION_HEAP_MB, FUNDTRAIL_REBUILD_BATCH as for the application
 * The history is the one `npm run bench:peers` leaves (bench/.data/history-<events>-20220218.sqlite, or the schema
 * ft_peers_<events>_20220218), and so is the read model it replaces.
 * --trace: every half second and at each commit, the events committed so far and the process's memory as CSV (RSS:
 *   every thread, SQLite's caches included; the heap figures are this thread's only): how memory grows along a rebuild.
 * --longer: a history as dense as the default 1M one but longer (phases.ts, peersHistory), as bench:peers --longer.
 * --load: generates and loads a missing history (as bench:peers loads one) and stops, since a rebuild in the same
 *   process would count the load's memory as its own. Without it a missing history is refused.
 */
import { writeFileSync } from 'node:fs';
import { historyHead, loadPhase, peersHistory, rebuildPhase, warmHistory } from './phases';
import { DEFAULT_SYNTHETIC } from './synthetic';

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
  const config = peersHistory(events, DEFAULT_SYNTHETIC.seed, { longer: process.argv.includes('--longer') });
  if ((await historyHead(config, kind)) < events) {
    if (!process.argv.includes('--load')) throw new Error(`no such history of ${events} events in the ${kind} store: run npm run bench:peers -- --sizes ${events} first, or pass --load`);
    const loaded = await loadPhase(config, kind);
    if (!loaded.ok) throw new Error(loaded.note ?? 'loading the history failed');
    // not measured in this process: its peak RSS would be the load's
    console.error(`loaded ${loaded.events} events in ${loaded.seconds?.toFixed(1)} s; run again without --load to measure a rebuild`);
    return;
  }
  // as bench:peers does: the history in the OS page cache first (see warmHistory)
  const warmSeconds = await warmHistory(config, kind);
  const tracePath = option('trace');
  const trace: string[] = ['seconds,events,rss_mb,main_heap_used_mb,main_external_mb'];
  let done = 0;
  const started = Date.now();
  const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
  const sample = () => {
    const memory = process.memoryUsage();
    trace.push([((Date.now() - started) / 1000).toFixed(1), done, mb(memory.rss), mb(memory.heapUsed), mb(memory.external)].join(','));
  };
  const timer = tracePath ? setInterval(sample, 500) : undefined;
  const cpu = process.cpuUsage();
  const onProgress = (events: number) => {
    done = events;
    // also at each commit: on one thread (under 250,000 events behind) the rebuild keeps the timer from firing
    if (tracePath) sample();
  };
  const result = await rebuildPhase(config, kind, { queries: false, ...(until ? { until } : {}), onProgress });
  if (timer) {
    clearInterval(timer);
    sample();
    writeFileSync(tracePath!, `${trace.join('\n')}\n`);
  }
  if (!result.ok) throw new Error(result.note ?? 'the rebuild failed');
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({ store: kind, events: result.events, seconds: +(result.seconds ?? 0).toFixed(2), warmSeconds: +warmSeconds.toFixed(2), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), nodeCpuSeconds: +((used.user + used.system) / 1e6).toFixed(2) }),
  );
}

main().catch((error: Error) => {
  console.error(`rebuild-once: ${error.message}`);
  process.exit(1);
});

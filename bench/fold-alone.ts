/**
 * The money fold alone (projections/money/money-fold.ts), without reads or writes: the money events of a bench
 * history are read once (untimed), then folded by a fresh MoneyFold in rounds, with the places of each next batch
 * asked for as the projection's prepare does. The A/B harness of docs/projections.md ("Eleventh pass"): given other
 * compiled trees (`--builds /tmp/base/dist,dist`), rounds alternate between them, so both see the same machine.
 *   node dist/bench/fold-alone.js [--events 1000000] [--take 320000] [--rounds 6] [--builds dirA,dirB]
 * Prints each build's times and median (ms). Nothing is handed over (no batch is committed, so no place is forgotten):
 * the fold's maps hold every place it met, a little more than a rebuild's.
 */
import { resolve } from 'node:path';
import type { ProjectionEvent } from '../src/event-store/event-store.port';
import { readAllForProjection } from '../src/event-store/read-all';
import { moneyProjection } from '../projections/money/money.projection';
import { openStore, peersHistory } from './phases';
import { DEFAULT_SYNTHETIC } from './synthetic';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** What this harness asks of a MoneyFold (the same in every build it compares). */
interface Fold {
  apply(event: ProjectionEvent): void;
  placesToLoad(events: readonly ProjectionEvent[]): unknown[];
}

const BATCH = 50_000;

/**
 * Drops the rows a fold collected for its batch, as its hand-over does, without forgetting any place (a forgotten
 * enterprise would have to be loaded back from tables this harness does not have). Whatever the build names them:
 * `newLots` and `takenLots` since session 9, `newLots` and `dirtyLots` (sets) before.
 */
function dropCollected(fold: Fold): void {
  const collected = fold as unknown as Record<string, unknown>;
  for (const name of ['newLots', 'takenLots', 'dirtyLots']) {
    const rows = collected[name];
    if (Array.isArray(rows)) rows.length = 0;
    else if (rows instanceof Set) rows.clear();
  }
}

async function main(): Promise<void> {
  const events = Number(option('events') ?? 1_000_000);
  const take = Number(option('take') ?? 320_000);
  const rounds = Number(option('rounds') ?? 6);
  const builds = (option('builds') ?? resolve(__dirname, '..')).split(',').map((dir) => resolve(dir));
  const store = await openStore(peersHistory(events, DEFAULT_SYNTHETIC.seed), 'sqlite');
  const money: ProjectionEvent[] = [];
  try {
    for (let after = 0; money.length < take; ) {
      const page = await readAllForProjection(store, { after, limit: 10_000, types: moneyProjection.handles });
      if (page.length === 0) break;
      money.push(...page.slice(0, take - money.length));
      after = page[page.length - 1].position;
    }
  } finally {
    await store.close();
  }
  if (money.length === 0) throw new Error(`no money events in the ${events}-event history: run node dist/bench/rebuild-once.js --events ${events} --load first`);
  const folds = builds.map((dir) => (require(resolve(dir, 'projections/money/money-fold.js')) as { MoneyFold: new (options: { fresh: boolean }) => Fold }).MoneyFold);
  const times: number[][] = builds.map(() => []);
  for (let round = 0; round < rounds; round++) {
    folds.forEach((MoneyFold, build) => {
      const fold = new MoneyFold({ fresh: true });
      const started = process.hrtime.bigint();
      for (let index = 0; index < money.length; index++) {
        fold.apply(money[index]);
        if (index % BATCH === BATCH - 1) {
          fold.placesToLoad(money.slice(index + 1, index + 1 + BATCH));
          dropCollected(fold);
        }
      }
      times[build].push(Number(process.hrtime.bigint() - started) / 1e6);
    });
  }
  console.log(`${money.length} money events, ${rounds} rounds a build, interleaved`);
  builds.forEach((dir, build) => {
    const sorted = [...times[build]].sort((a, b) => a - b);
    console.log(`${dir}: ${times[build].map((ms) => ms.toFixed(0)).join(' ')} ms; median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`);
  });
}

main().catch((error: Error) => {
  console.error(`fold-alone: ${error.message}`);
  process.exit(1);
});

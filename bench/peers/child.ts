/**
 * One phase of `npm run bench:peers` in its own process (forked by bench/peers/run.ts), so that its peak RSS
 * (process.resourceUsage().maxRSS) is its own.
 */
import { type BenchConfig, type PhaseResult, naivePhase, rebuildPhase, warmHistory } from '../phases';
import { emmettCommands, emmettPostgresAppend, emmettPostgresLoad, emmettPostgresRebuild, emmettSqliteAppend, emmettSqliteLoad, emmettSqliteRebuild } from './emmett';
import { adapterRead, bulkLoadPostgres, bulkLoadSqlite, foldParsed, fundtrailAppend, ledgerAppend, rawReadPostgres, rawReadSqlite, verifyChain } from './limits';

export type Kind = 'sqlite' | 'postgres';
export type PeerRequest =
  | { phase: 'bulk-load'; config: BenchConfig; store: Kind }
  | { phase: 'verify'; config: BenchConfig; store: Kind }
  | { phase: 'raw-read'; config: BenchConfig; store: Kind }
  | { phase: 'adapter-read'; config: BenchConfig; store: Kind }
  | { phase: 'fold'; config: BenchConfig }
  | { phase: 'rebuild'; config: BenchConfig; store: Kind; queries: boolean }
  | { phase: 'naive'; config: BenchConfig; sample: number; maxSeconds: number }
  | { phase: 'ledger-append'; config: BenchConfig; store: Kind; commands: number; target: string; maxSeconds: number }
  | { phase: 'append'; config: BenchConfig; store: Kind; mode: 'fund-day' | 'event'; events: number; target: string; maxSeconds: number }
  | { phase: 'emmett-load'; config: BenchConfig; store: Kind }
  | { phase: 'emmett-append'; config: BenchConfig; store: Kind; mode: 'fund-day' | 'event'; events: number; target: string; maxSeconds: number }
  | { phase: 'emmett-rebuild'; config: BenchConfig; store: Kind; maxSeconds: number }
  | { phase: 'emmett-commands'; config: BenchConfig; store: Kind; commands: number; target: string; maxSeconds: number };

function run(request: PeerRequest): Promise<PhaseResult> {
  switch (request.phase) {
    case 'bulk-load':
      return request.store === 'sqlite' ? bulkLoadSqlite(request.config) : bulkLoadPostgres(request.config);
    case 'verify':
      return verifyChain(request.config, request.store);
    case 'raw-read':
      return request.store === 'sqlite' ? rawReadSqlite(request.config) : rawReadPostgres(request.config);
    case 'adapter-read':
      return adapterRead(request.config, request.store);
    case 'fold':
      return foldParsed(request.config);
    case 'rebuild':
      return rebuildPhase(request.config, request.store, { queries: request.queries });
    case 'naive':
      return naivePhase(request.config, request.sample, 'wal', request.maxSeconds);
    case 'ledger-append':
      return ledgerAppend(request.config, request.store, request.commands, request.target, request.maxSeconds);
    case 'append':
      return fundtrailAppend(request.config, request.store, request.mode, request.events, request.target, request.maxSeconds);
    case 'emmett-load':
      return request.store === 'sqlite' ? emmettSqliteLoad(request.config) : emmettPostgresLoad(request.config);
    case 'emmett-append':
      return request.store === 'sqlite'
        ? emmettSqliteAppend(request.config, request.mode, request.events, request.target, request.maxSeconds)
        : emmettPostgresAppend(request.config, request.mode, request.events, request.target, request.maxSeconds);
    case 'emmett-rebuild':
      return request.store === 'sqlite' ? emmettSqliteRebuild(request.config, request.maxSeconds) : emmettPostgresRebuild(request.config, request.maxSeconds);
    case 'emmett-commands':
      return emmettCommands(request.config, request.store, request.commands, request.target, request.maxSeconds);
  }
}

/** The phases timed on the bench history as it is stored: each starts with it in the OS page cache (warmHistory). */
async function warmThenRun(request: PeerRequest): Promise<PhaseResult> {
  if (request.phase !== 'raw-read' && request.phase !== 'adapter-read' && request.phase !== 'rebuild') return run(request);
  const warmSeconds = await warmHistory(request.config, request.store);
  const result = await run(request);
  return { ...result, details: { ...result.details, warmSeconds: +warmSeconds.toFixed(2) } };
}

process.once('message', (request: PeerRequest) => {
  warmThenRun(request)
    .then((result) => ({ ...result, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }))
    .catch((error: unknown) => ({ phase: request.phase, ok: false, note: `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }))
    .then((result: PhaseResult) => process.send!({ result }, () => process.exit(0)));
});

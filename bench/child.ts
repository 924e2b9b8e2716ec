/**
 * One phase of the benchmark in its own process (forked by bench/run.ts): receives a PhaseRequest, answers
 * with a PhaseResult that carries this process's peak RSS. Append writers wait for 'go' after 'ready'.
 */
import { type PhaseRequest, type PhaseResult, appendPhase, generatePhase, loadPhase, naivePhase, readPhase, rebuildPhase } from './phases';

function ready(): Promise<void> {
  return new Promise((resolve) => {
    process.on('message', (message: { go?: boolean }) => {
      if (message.go) resolve();
    });
    process.send!({ ready: true });
  });
}

async function run(request: PhaseRequest): Promise<PhaseResult> {
  switch (request.phase) {
    case 'generate':
      return generatePhase(request.config);
    case 'load':
      return loadPhase(request.config, request.store);
    case 'read':
      return readPhase(request.config, request.store);
    case 'append':
      return appendPhase(request.config, request.store, request.mode, request.events, request.writer, request.target, ready);
    case 'rebuild':
      return rebuildPhase(request.config, request.store);
    case 'naive':
      return naivePhase(request.config, request.sample, request.journal, request.maxSeconds);
  }
}

process.once('message', (request: PhaseRequest) => {
  run(request)
    .then((result) => ({ ...result, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }))
    .catch((error: unknown) => ({ phase: request.phase, ok: false, note: `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }))
    .then((result: PhaseResult) => process.send!({ result }, () => process.exit(0)));
});

/**
 * A long catch-up on several cores (a rebuild, a new projection on a big history). The runner hands each
 * projection with a long way to go to a worker thread of its own (catch-up-thread.ts) — all of them when there are
 * threads enough, the runner's own thread then only coordinating; otherwise it keeps the first and spreads the
 * others over the threads. A thread opens its own connections to the same event store and read model, reads only
 * the event types of its projection (Projection.handles), and commits its batches with its projection's checkpoint,
 * exactly as the runner does (a crash leaves every projection at a batch boundary of its own). The runner holds and
 * renews the leases; a thread fences its writes with them (BorrowedLease), so they land only while this instance
 * holds the lease.
 *
 * Why every projection on a thread, not the first on the runner's: a thread's V8 heap can be given a limit, and V8
 * grows a heap with a limit under 2 GB by a smaller factor after each full collection: a 10M-event rebuild's peak
 * memory grows less past a 1M one's (1.4× instead of 1.8×: docs/projections.md, "Seventh pass"); and the
 * application's event loop (its HTTP server) stays free during the catch-up.
 *
 * Measured (docs/projections.md, "Sixth pass"): money alone is most of a rebuild; with the projects projection on a
 * thread of its own the two fold side by side.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventStoreConfig } from '../src/event-store/event-store.port';
import type { FenceSpec } from '../src/event-store/lease';
import type { ReadModelConfig } from './read-model';

export interface ThreadOptions {
  /**
   * Worker threads at most. Default: FUNDTRAIL_PROJECTION_THREADS, or the machine's parallelism (none on one core). With as many
   * threads as projections far behind, each has one and the runner's thread only coordinates; with fewer, the
   * runner's thread feeds the first. 0: every projection on the runner's thread.
   */
  max?: number;
  /**
   * The old-generation limit of each thread's V8 heap, in MB. Default: FUNDTRAIL_PROJECTION_HEAP_MB, or
   * THREAD_HEAP_MB_DEFAULT. A thread that runs out of it fails the catch-up (which resumes from its checkpoints).
   */
  heapMb?: number;
  /** A projection goes to a thread only when it is at least this many events behind (default THREADS_FROM_EVENTS). */
  minEvents?: number;
  /** The compiled thread script (default: catch-up-thread.js beside this file, absent when run from the TypeScript sources). */
  script?: string;
}

/**
 * A projection at least this many events behind goes to a catch-up thread. Below it one thread is
 * faster: measured on prefixes of the 1M history (rebuilds, threads / one thread), 100k: SQLite 1.49–1.58 / 1.28–1.34 s,
 * PostgreSQL 2.34–2.56 / 1.94–2.05 s; 200k: 1.76 / 1.78–1.99 s and 2.86–2.90 / 2.65–2.67 s; 400k: 3.11–3.24 / 3.75–3.82 s
 * and 4.51–4.59 / 4.48–4.57 s; 1M: 8.98–9.71 / 10.06–10.52 s (PostgreSQL).
 */
export const THREADS_FROM_EVENTS = 250_000;

/**
 * Far above what a projection keeps (both projections' state after a commit: 47 MB at 1M events, 65 MB at 10M;
 * a batch in flight adds ~150 MB) and under V8's 2 GB, above which it lets a heap grow 4× past what survived its
 * last full collection.
 */
export const THREAD_HEAP_MB_DEFAULT = 1_536;

/**
 * The young generation of each thread's heap, in MB (V8's default is smaller): fewer of a batch's short-lived
 * objects survive into the old generation, which the limit above then collects more often. Measured on 1M events,
 * interleaved: PostgreSQL 8.96 s on average with it, 9.55 s without, 8.76 s before the limit.
 */
export const THREAD_YOUNG_MB = 96;

/** What a catch-up thread is given (workerData): plain data, since it crosses to another thread. */
export interface CatchUpThreadData {
  store: EventStoreConfig;
  readModel: ReadModelConfig;
  projections: string[];
  until: number;
  batchSize?: number;
  pageSize?: number;
  leases?: { fences: FenceSpec; prefix: string };
}

/** What a catch-up thread tells the runner: each batch committed, then the events it read, or why it failed. */
export type CatchUpThreadMessage = { committed: number } | { done: number } | { failed: string };

function fromEnvironment(name: string): number | undefined {
  const value = process.env[name];
  return value !== undefined && value !== '' ? Number(value) : undefined;
}

export function threadCount(options: ThreadOptions): number {
  const cores = availableParallelism();
  // one core: threads would only take turns with each other, everything stays on one thread
  const max = options.max ?? fromEnvironment('FUNDTRAIL_PROJECTION_THREADS') ?? (cores > 1 ? cores : 0);
  return Number.isFinite(max) ? Math.max(0, Math.floor(max)) : 0;
}

export function threadHeapMb(options: ThreadOptions): number {
  const mb = options.heapMb ?? fromEnvironment('FUNDTRAIL_PROJECTION_HEAP_MB') ?? THREAD_HEAP_MB_DEFAULT;
  return Number.isFinite(mb) && mb >= 64 ? Math.floor(mb) : THREAD_HEAP_MB_DEFAULT;
}

export function threadScript(options: ThreadOptions): string | undefined {
  const script = options.script ?? join(__dirname, 'catch-up-thread.js');
  return existsSync(script) ? script : undefined;
}

/** One worker thread catching some projections up to a position. */
export class CatchUpThread {
  /** Settles when the thread has caught up and closed its connections (the events it read), or failed. */
  readonly finished: Promise<number>;
  private readonly worker: Worker;
  private failure?: Error;

  constructor(script: string, data: CatchUpThreadData, onCommitted: (position: number) => void, heapMb = THREAD_HEAP_MB_DEFAULT) {
    this.worker = new Worker(script, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: THREAD_YOUNG_MB } });
    const projections = data.projections.join(', ');
    this.finished = new Promise<number>((resolve, reject) => {
      let events: number | undefined;
      const fail = (reason: string, cause?: unknown) => {
        this.failure ??= new Error(`投影 ${projections} 的追赶线程失败 / the catch-up thread of ${projections} failed: ${reason}`, { cause });
        reject(this.failure);
      };
      this.worker.on('message', (message: CatchUpThreadMessage) => {
        if ('committed' in message) onCommitted(message.committed);
        else if ('done' in message) events = message.done;
        else fail(message.failed);
      });
      this.worker.on('error', (error: Error & { code?: string }) =>
        fail(
          error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `内存超出线程上限 ${heapMb} MB（FUNDTRAIL_PROJECTION_HEAP_MB）/ it ran out of its heap limit of ${heapMb} MB (FUNDTRAIL_PROJECTION_HEAP_MB); the catch-up resumes from its checkpoints when run again`
            : String(error?.message ?? error),
          error,
        ),
      );
      this.worker.on('exit', (code) => {
        if (events !== undefined) resolve(events);
        else fail(`it stopped (exit code ${code}) before reaching position ${data.until}`);
      });
    });
    this.finished.catch(() => undefined); // the runner checks `failed` between batches and awaits `finished` at the end
  }

  /** The thread's error, once it failed (the runner stops its own work at the next batch). */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Stops the thread at once: what it has not committed is rolled back with its connections (as after a crash). */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

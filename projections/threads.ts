/**
 * A long catch-up on several cores (a rebuild, a new projection on a big history). The runner keeps one projection
 * on its own thread and hands each other projection with a long way to go to a worker thread (catch-up-thread.ts):
 * the thread opens its own connections to the same event store and read model, reads only the event types of its
 * projection (Projection.handles), and commits its batches with its projection's checkpoint, exactly as the runner
 * does (a crash leaves every projection at a batch boundary of its own). The runner holds and renews the leases;
 * a thread fences its writes with them (BorrowedLease), so they land only while this instance holds the lease.
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
   * Worker threads at most. Default: FUNDTRAIL_PROJECTION_THREADS, or the machine's parallelism minus one (the
   * main thread feeds a projection too). 0: every projection on the runner's thread.
   */
  max?: number;
  /** A projection goes to a thread only when it is at least this many events behind (default 100,000). */
  minEvents?: number;
  /** The compiled thread script (default: catch-up-thread.js beside this file, absent when run from the TypeScript sources). */
  script?: string;
}

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

export function threadCount(options: ThreadOptions): number {
  const fromEnvironment = process.env.FUNDTRAIL_PROJECTION_THREADS;
  const max = options.max ?? (fromEnvironment !== undefined && fromEnvironment !== '' ? Number(fromEnvironment) : availableParallelism() - 1);
  return Number.isFinite(max) ? Math.max(0, Math.floor(max)) : 0;
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

  constructor(script: string, data: CatchUpThreadData, onCommitted: (position: number) => void) {
    this.worker = new Worker(script, { workerData: data });
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
      this.worker.on('error', (error) => fail(String(error?.message ?? error), error));
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

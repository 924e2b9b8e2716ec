/**
 * Runs the alert service: on every new event of the log (a subscription, coalesced) and on a timer (days pass
 * without any event, and back-offs fall due). Time comes from the injected clock and timers, so tests move time
 * forward without waiting. One tick: evaluate → record deliveries (outbox) → send what is due.
 *
 * Several app instances: evaluating and recording deliveries are safe everywhere (their appends are
 * `no-stream`: one alert, one delivery, whoever is first). Sending is not — two instances could both send a
 * due delivery before either records the outcome — so only the holder of the `alert-dispatcher` lease
 * (src/event-store/lease.ts: a PostgreSQL advisory lock, or a SQLite lease row) sends. Each tick takes or
 * keeps the lease; the lease is renewed before every send and the pass stops as soon as it is lost; stop()
 * releases it, so another instance's next tick takes over (a crashed holder: at once on PostgreSQL, after
 * the lease's time-to-live on SQLite).
 */
import { Logger } from '@nestjs/common';
import type { Subscription } from '../event-store/event-store.port';
import type { Lease } from '../event-store/lease';
import type { AlertService } from './alert-service';

export interface Timers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Events that are the engine's own bookkeeping do not need another tick. */
const QUIET_TYPES: ReadonlySet<string> = new Set(['DeliverySucceeded', 'DeliveryFailed', 'DeliveryDeadLettered', 'AlertAcknowledged', 'AlertResolved']);
/** New events within this window are handled by one tick. */
export const COALESCE_MS = 25;
/** The name of the lease whose holder alone sends deliveries. */
export const DISPATCHER_LEASE = 'alert-dispatcher';

export interface AlertEngineOptions {
  intervalMs: number;
  timers?: Timers;
  /** Shared by the app instances of one store: only its holder sends. Without one, this instance always sends. */
  lease?: Lease;
  /** Default `alert-dispatcher` (suffixed with the schema when several stores share one PostgreSQL). */
  leaseName?: string;
}

export class AlertEngine {
  private readonly logger = new Logger('Alerts');
  private subscription?: Subscription;
  private interval?: unknown;
  private pending?: unknown;
  private running: Promise<void> = Promise.resolve();
  /** The start in progress (its catch-up and first pass): stop() waits for it. */
  private starting: Promise<void> = Promise.resolve();
  /** Following the log and the timer (start). */
  private following = false;
  /** Closed for good (stop): no more ticks, even asked for. Before start, asked-for ticks run (FUNDTRAIL_ALERTS=off). */
  private closed = false;
  private ticks = 0;

  constructor(
    readonly service: AlertService,
    private readonly options: AlertEngineOptions,
  ) {}

  private get leaseName(): string {
    return this.options.leaseName ?? DISPATCHER_LEASE;
  }

  /** Takes or keeps the dispatcher lease; true when this instance may send now. */
  private async mayDispatch(): Promise<boolean> {
    if (!this.options.lease) return true;
    try {
      return await this.options.lease.acquire(this.leaseName);
    } catch (error) {
      this.logger.warn(`dispatcher lease: ${(error as Error).message}`);
      return false;
    }
  }

  private async stillDispatcher(): Promise<boolean> {
    if (!this.options.lease) return true;
    try {
      return await this.options.lease.renew(this.leaseName);
    } catch {
      return false;
    }
  }

  private get timers(): Timers {
    return this.options.timers ?? REAL_TIMERS;
  }

  /**
   * Catches up, follows the log and the timer, and runs a first pass over every fund. On a long history the
   * first pass is long (every alert of the past is recorded once): AlertsLifecycle does not hold the server
   * back for it.
   */
  start(): Promise<void> {
    this.starting = this.begin();
    return this.starting;
  }

  private async begin(): Promise<void> {
    this.following = true;
    await this.service.catchUp();
    if (this.closed) return;
    const head = await this.service.store.headPosition();
    this.subscription = this.service.store.subscribe({
      after: head,
      onEvent: (event) => {
        if (!QUIET_TYPES.has(event.type)) this.kick();
      },
      onError: (error) => this.logger.warn(`subscription: ${error.message}`),
    });
    this.interval = this.timers.setInterval(() => void this.tick({ all: true }), this.options.intervalMs);
    // a restart between a raise and its delivery: the first tick records and sends what is owed
    await this.tick({ all: true });
  }

  /** Coalesces a burst of events into one tick. */
  kick(): void {
    if (!this.following || this.closed || this.pending !== undefined) return;
    this.pending = this.timers.setTimeout(() => {
      this.pending = undefined;
      void this.tick({});
    }, COALESCE_MS);
  }

  /** One pass; passes never overlap. `all` re-evaluates every fund (the date may have changed). */
  tick(options: { all?: boolean } = {}): Promise<void> {
    const run = this.running.then(async () => {
      if (this.closed) return;
      try {
        this.ticks++;
        await this.service.evaluate({ all: options.all, stopped: () => this.closed });
        await this.service.scheduleDeliveries();
        if (await this.mayDispatch()) await this.service.dispatchDue({ stillHeld: () => this.stillDispatcher() });
      } catch (error) {
        this.logger.error(`tick failed: ${(error as Error).stack ?? String(error)}`);
      }
    });
    this.running = run;
    return run;
  }

  get tickCount(): number {
    return this.ticks;
  }

  async stop(): Promise<void> {
    this.following = false;
    this.closed = true;
    if (this.interval !== undefined) this.timers.clearInterval(this.interval);
    if (this.pending !== undefined) this.timers.clearTimeout(this.pending);
    this.pending = undefined;
    await this.starting.catch(() => undefined);
    await this.subscription?.close();
    await this.running;
    // another instance's next tick takes over the sending
    await this.options.lease?.release(this.leaseName).catch(() => undefined);
  }
}

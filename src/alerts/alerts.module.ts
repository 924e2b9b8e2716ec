/**
 * AlertsModule: the alert service and its engine on the app's runtime (store and clock). The engine starts
 * when the application has started (catches up, then follows the log and the timer) and stops when it closes.
 */
import Database from 'better-sqlite3';
import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Runtime } from '../app/runtime';
import { RUNTIME } from '../app/tokens';
import { type Lease, PostgresLease, SqliteLease } from '../event-store/lease';
import { AlertEngine, DISPATCHER_LEASE, type Timers } from './alert-engine';
import { AlertService } from './alert-service';
import { ALERT_CONTROLLERS, AlertDenials } from './alerts.controller';
import { type AlertsConfig, loadAlertsConfig } from './alerts-config';
import { type AlertSender, ChannelSender } from './channels';
import type { RetryPolicy } from './domain';

export interface AlertsModuleOptions {
  /** Tests replace the channels, the timers, the retry policy or the settings. */
  sender?: AlertSender;
  timers?: Timers;
  retry?: RetryPolicy;
  config?: AlertsConfig;
  /** The dispatcher lease (tests); by default one on the read-model database (see dispatcherLease). */
  lease?: Lease | null;
  /** How long the application's start waits for the engine's catch-up and first pass (default START_WAIT_MS). */
  startWaitMs?: number;
}

/**
 * The application's start waits this long for the alert engine's first pass, then goes on (the server listens)
 * while the pass finishes: on a long history the first pass records every alert of the past (a synthetic
 * history of 1,000,000 events: ~770,000 alert events, minutes), and the API must not wait for that.
 */
export const START_WAIT_MS = 5_000;

/**
 * The lease that lets one app instance at a time send deliveries, in the database the instances share: the
 * read model's (a SQLite file on one machine, or PostgreSQL, where the name carries the schema so that
 * several Fundtrail stores on one server do not share one dispatcher).
 */
export function dispatcherLease(runtime: Runtime): { lease: Lease; name: string; close(): Promise<void> } {
  const readModel = runtime.config.readModel;
  if (readModel.kind === 'postgres') {
    const lease = new PostgresLease({ connectionString: readModel.url });
    return { lease, name: `${DISPATCHER_LEASE}:${readModel.schema ?? 'fundtrail_read'}`, close: () => lease.close() };
  }
  const db = new Database(readModel.filename);
  db.pragma('busy_timeout = 5000');
  const lease = new SqliteLease(db);
  return {
    lease,
    name: DISPATCHER_LEASE,
    async close() {
      await lease.close();
      db.close();
    },
  };
}

@Injectable()
class AlertsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  constructor(
    @Inject(AlertEngine) private readonly engine: AlertEngine,
    @Inject('ALERTS_CONFIG') private readonly config: AlertsConfig,
    @Inject('ALERTS_SENDER') private readonly sender: AlertSender,
    @Inject('ALERTS_LEASE') private readonly lease: { close(): Promise<void> } | null,
    @Inject('ALERTS_START_WAIT_MS') private readonly startWaitMs: number,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.engine) return;
    const started = this.engine.start().then(
      () => true,
      (error: Error) => {
        this.logger.error(`告警引擎启动失败 / the alert engine failed to start: ${error.stack ?? error.message}`);
        return true;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.startWaitMs)));
    const done = await Promise.race([started, waited]);
    clearTimeout(timer);
    if (!done) {
      // warnings, so that the server's log (errors and warnings only) shows them: alerts are not current until then
      this.logger.warn('告警引擎仍在首次评估历史，服务先行启动，告警暂未更新 / the alert engine is still on its first pass over the history; the server starts meanwhile, alerts are not current yet');
      void started.then(() => this.logger.warn('告警引擎首次评估完成，告警已更新 / the alert engine finished its first pass; alerts are current'));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.stop();
    if (this.sender instanceof ChannelSender) this.sender.close();
    await this.lease?.close();
    this.engine.service.changes.complete();
  }
}

@Module({})
export class AlertsModule {
  static register(options: AlertsModuleOptions = {}): DynamicModule {
    return {
      module: AlertsModule,
      controllers: ALERT_CONTROLLERS,
      providers: [
        { provide: 'ALERTS_CONFIG', useFactory: () => options.config ?? loadAlertsConfig() },
        { provide: 'ALERTS_SENDER', inject: ['ALERTS_CONFIG'], useFactory: (config: AlertsConfig) => options.sender ?? new ChannelSender(config.smtp) },
        {
          provide: AlertService,
          inject: [RUNTIME, 'ALERTS_SENDER'],
          // read through the runtime on every call, so that a test can move the alert clock alone
          useFactory: (runtime: Runtime, sender: AlertSender) => new AlertService(runtime.store, () => runtime.clock(), { sender, retry: options.retry }),
        },
        {
          provide: 'ALERTS_LEASE',
          inject: [RUNTIME],
          useFactory: (runtime: Runtime) => (options.lease === undefined ? dispatcherLease(runtime) : options.lease ? { lease: options.lease, name: DISPATCHER_LEASE, close: async () => undefined } : null),
        },
        {
          provide: AlertEngine,
          inject: [AlertService, 'ALERTS_CONFIG', 'ALERTS_LEASE'],
          useFactory: (service: AlertService, config: AlertsConfig, lease: { lease: Lease; name: string } | null) =>
            new AlertEngine(service, { intervalMs: config.intervalMs, timers: options.timers, ...(lease ? { lease: lease.lease, leaseName: lease.name } : {}) }),
        },
        { provide: 'ALERTS_START_WAIT_MS', useValue: options.startWaitMs ?? START_WAIT_MS },
        AlertsLifecycle,
        AlertDenials,
      ],
      exports: [AlertService, AlertEngine],
    };
  }
}

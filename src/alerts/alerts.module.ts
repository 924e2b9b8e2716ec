/**
 * AlertsModule: the alert service and its engine on the app's runtime (store and clock). The engine starts
 * when the application has started (catches up, then follows the log and the timer) and stops when it closes.
 */
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Runtime } from '../app/runtime';
import { RUNTIME } from '../app/tokens';
import { AlertEngine, type Timers } from './alert-engine';
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
}

@Injectable()
class AlertsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(AlertEngine) private readonly engine: AlertEngine,
    @Inject('ALERTS_CONFIG') private readonly config: AlertsConfig,
    @Inject('ALERTS_SENDER') private readonly sender: AlertSender,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.engine) await this.engine.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.stop();
    if (this.sender instanceof ChannelSender) this.sender.close();
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
          provide: AlertEngine,
          inject: [AlertService, 'ALERTS_CONFIG'],
          useFactory: (service: AlertService, config: AlertsConfig) => new AlertEngine(service, { intervalMs: config.intervalMs, timers: options.timers }),
        },
        AlertsLifecycle,
        AlertDenials,
      ],
      exports: [AlertService, AlertEngine],
    };
  }
}

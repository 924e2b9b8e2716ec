import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Catalog } from '../ledger/catalog';
import { Ledger } from '../ledger/ledger';
import { LEDGER_COMMAND_HANDLERS } from '../ledger/ledger.commands';
import { FundsController, HoldersController, ProjectsController } from '../ledger/ledger.controller';
import { LedgerQueries } from '../ledger/ledger.queries';
import { HealthController } from './health.controller';
import type { Runtime } from './runtime';
import { RUNTIME } from './tokens';

/** The application: built around a runtime made outside (see runtime.ts), so tests and the CLI share it. */
@Module({})
export class AppModule {
  static register(runtime: Runtime, features: DynamicModule[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), ...features],
      controllers: [HealthController, HoldersController, FundsController, ProjectsController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: Ledger, useValue: runtime.ledger },
        { provide: Catalog, useValue: runtime.catalog },
        { provide: LedgerQueries, useValue: runtime.queries },
        ...LEDGER_COMMAND_HANDLERS,
      ],
      exports: [RUNTIME, Ledger, Catalog, LedgerQueries],
      global: true,
    };
  }
}

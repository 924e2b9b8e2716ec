import { type DynamicModule, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/** The auditor's tools over HTTP (replay, verify, reconciliation, duplicates, enterprise history, league, import/export). */
@Module({})
export class AuditModule {
  static register(): DynamicModule {
    return { module: AuditModule, controllers: [AuditController] };
  }
}

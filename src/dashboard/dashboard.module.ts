/** The dashboard: static pages (plain ES modules + Apache ECharts, no build step) and the few read endpoints they need. */
import { type DynamicModule, Module } from '@nestjs/common';
import { DashboardApiController, DashboardStaticController, DisclosureController } from './dashboard.controller';

@Module({})
export class DashboardModule {
  static register(): DynamicModule {
    return { module: DashboardModule, controllers: [DashboardApiController, DisclosureController, DashboardStaticController] };
  }
}

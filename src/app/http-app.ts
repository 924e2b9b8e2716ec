/** Builds the HTTP application around a runtime: used by `npm start`, the CLI's `serve` and the end-to-end tests. */
import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AuthModule } from '../auth/auth.module';
import { AuthService } from '../auth/auth.service';
import type { SecuritySettings } from '../auth/security-settings';
import { AllExceptionsFilter } from '../http/exception.filter';
import { jsonBody } from '../http/json-body';
import { securityHeaders } from '../http/security-headers';
import { IdParamsPipe, createValidationPipe } from '../http/validation';
import { AppModule } from './app.module';
import type { Runtime } from './runtime';
import { ProjectionsModule } from '../../projections/projections.module';
import { DashboardModule } from '../dashboard/dashboard.module';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';

export interface HttpAppOptions {
  logger?: boolean;
  /** Users and tokens; opened from the configuration (auth.db in the data dir) when absent, and then closed with the app. */
  auth?: AuthService;
  /** Overrides of the configured security settings (tests inject a clock and limits). */
  security?: Partial<SecuritySettings>;
}

export function securitySettingsOf(runtime: Runtime, overrides: Partial<SecuritySettings> = {}): SecuritySettings {
  const security = runtime.config.security;
  return {
    corsOrigins: security.corsOrigins,
    loginRate: { perMinute: security.loginPerMinute },
    writeRate: { perMinute: security.writesPerMinute },
    nowMs: () => Date.now(),
    ...overrides,
  };
}

export function openAuth(runtime: Runtime): AuthService {
  const security = runtime.config.security;
  return new AuthService({ filename: security.authFilename, sessionTtlMinutes: security.sessionTtlMinutes, apiTokenTtlDaysMax: security.apiTokenTtlDaysMax });
}

export async function createHttpApp(runtime: Runtime, options: HttpAppOptions = {}): Promise<INestApplication> {
  const auth = options.auth ?? openAuth(runtime);
  const settings = securitySettingsOf(runtime, options.security);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(runtime, [AuthModule.register(auth, settings, !options.auth), ProjectionsModule.register(), AlertsModule.register(), DashboardModule.register(), AuditModule.register()]), {
    logger: options.logger === false ? false : ['error', 'warn'],
    bodyParser: false,
  });
  app.disable('x-powered-by');
  if (runtime.config.security.trustProxy) app.set('trust proxy', 1);
  app.use(securityHeaders());
  // CORS stays closed (no Access-Control-Allow-Origin at all) unless origins are listed
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id'],
      credentials: false,
      maxAge: 600,
    });
  }
  app.use(jsonBody());
  app.useGlobalPipes(new IdParamsPipe(), createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Fundtrail 专项资金追踪账本')
      .setDescription('Event-sourced ledger for special funds. Amounts are decimal strings of 元; dates YYYY-MM-DD. 金额为以元为单位的十进制字符串。Sign in at POST /api/auth/login and send Authorization: Bearer <token>.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export const logger = new Logger('Fundtrail');

/** Builds the HTTP application around a runtime: used by `npm start`, the CLI's `serve` and the end-to-end tests. */
import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from '../http/exception.filter';
import { createValidationPipe } from '../http/validation';
import { AppModule } from './app.module';
import type { Runtime } from './runtime';
import { ProjectionsModule } from '../../projections/projections.module';

export async function createHttpApp(runtime: Runtime, options: { logger?: boolean } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(runtime, [ProjectionsModule.register()]), {
    logger: options.logger === false ? false : ['error', 'warn'],
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: '1mb' });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Fundtrail 专项资金追踪账本')
      .setDescription('Event-sourced ledger for special funds. Amounts are decimal strings of 元; dates YYYY-MM-DD. 金额为以元为单位的十进制字符串。')
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export const logger = new Logger('Fundtrail');

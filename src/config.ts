/**
 * Configuration comes from the environment only, validated once at start-up; a bad value stops
 * the program with a message naming the variable, never a stack trace.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { resolve } from 'node:path';
import type { EventStoreConfig } from './event-store/event-store.port';

export class EnvironmentDto {
  @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString()
  HOST?: string;

  @IsOptional() @IsString()
  FUNDTRAIL_DATA_DIR?: string;

  @IsOptional() @IsIn(['sqlite', 'postgres', 'esdb'])
  FUNDTRAIL_EVENT_STORE?: 'sqlite' | 'postgres' | 'esdb';

  @IsOptional() @IsString()
  FUNDTRAIL_POSTGRES_URL?: string;

  @IsOptional() @IsString()
  FUNDTRAIL_POSTGRES_SCHEMA?: string;

  @IsOptional() @IsString()
  FUNDTRAIL_ESDB_URL?: string;

  @IsOptional() @IsIn(['sqlite', 'postgres'])
  FUNDTRAIL_READ_MODEL?: 'sqlite' | 'postgres';

  @IsOptional() @IsString()
  FUNDTRAIL_READ_MODEL_URL?: string;

  @IsOptional() @IsIn(['true', 'false'])
  FUNDTRAIL_DEMO?: 'true' | 'false';

  // ---- projections (projections/threads.ts; read there when a long catch-up starts, checked here at start-up)

  @IsOptional() @IsInt({ message: 'must be a whole number of worker threads (0: none)' }) @Min(0) @Max(256)
  FUNDTRAIL_PROJECTION_THREADS?: number;

  @IsOptional() @IsInt({ message: 'must be a whole number of MB' }) @Min(64) @Max(65_536)
  FUNDTRAIL_PROJECTION_HEAP_MB?: number;

  // ---- security (docs/security.md)

  @IsOptional() @IsIn(['development', 'production', 'test'], { message: 'must be development, production or test' })
  FUNDTRAIL_ENV?: 'development' | 'production' | 'test';

  @IsOptional() @IsString()
  NODE_ENV?: string;

  @IsOptional() @IsIn(['true', 'false'], { message: 'must be true or false (the demo user printed by npm start)' })
  FUNDTRAIL_DEMO_USER?: 'true' | 'false';

  @IsOptional() @IsString()
  FUNDTRAIL_CORS_ORIGINS?: string;

  @IsOptional() @IsInt({ message: 'must be a whole number of minutes' }) @Min(5) @Max(43_200)
  FUNDTRAIL_SESSION_TTL_MINUTES?: number;

  @IsOptional() @IsInt({ message: 'must be a whole number of days' }) @Min(1) @Max(3_650)
  FUNDTRAIL_API_TOKEN_TTL_DAYS_MAX?: number;

  @IsOptional() @IsInt({ message: 'must be a whole number of requests a minute' }) @Min(1) @Max(100_000)
  FUNDTRAIL_RATE_LOGIN_PER_MINUTE?: number;

  @IsOptional() @IsInt({ message: 'must be a whole number of requests a minute' }) @Min(1) @Max(1_000_000)
  FUNDTRAIL_RATE_WRITES_PER_MINUTE?: number;

  @IsOptional() @IsIn(['true', 'false'], { message: 'must be true or false (trust X-Forwarded-For from one proxy in front)' })
  FUNDTRAIL_TRUST_PROXY?: 'true' | 'false';
}

/** Variables read as whole numbers (a wrong value is reported as given). */
const INTEGER_VARIABLES = ['PORT', 'FUNDTRAIL_PROJECTION_THREADS', 'FUNDTRAIL_PROJECTION_HEAP_MB', 'FUNDTRAIL_SESSION_TTL_MINUTES', 'FUNDTRAIL_API_TOKEN_TTL_DAYS_MAX', 'FUNDTRAIL_RATE_LOGIN_PER_MINUTE', 'FUNDTRAIL_RATE_WRITES_PER_MINUTE'] as const;

export interface SecurityConfig {
  /** FUNDTRAIL_ENV=production or NODE_ENV=production: refuses to start without real credentials. */
  production: boolean;
  /** Create (or refresh) the demo user with a random password at `npm start`. */
  demoUser: boolean;
  /** Browser origins allowed by CORS; empty: closed. */
  corsOrigins: string[];
  sessionTtlMinutes: number;
  apiTokenTtlDaysMax: number;
  loginPerMinute: number;
  writesPerMinute: number;
  trustProxy: boolean;
  /** users, tokens and the security log */
  authFilename: string;
}

export type { EventStoreConfig };

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStore: EventStoreConfig;
  readModel: { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; schema?: string };
  /** Load the demo fund into an empty store at start-up. */
  demo: boolean;
  security: SecurityConfig;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`configuration error:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = { ...env };
  for (const name of INTEGER_VARIABLES) {
    const text = env[name];
    raw[name] = text === undefined || text === '' ? undefined : Number.isNaN(Number(text)) ? text : Number(text);
  }
  const dto = plainToInstance(EnvironmentDto, raw);
  const errors = validateSync(dto, { whitelist: false, forbidUnknownValues: false });
  const problems = errors.map((error) => `${error.property}=${JSON.stringify(error.value)}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  const dataDir = resolve(dto.FUNDTRAIL_DATA_DIR ?? './data');
  const kind = dto.FUNDTRAIL_EVENT_STORE ?? 'sqlite';
  let eventStore: EventStoreConfig = { kind: 'sqlite', filename: resolve(dataDir, 'events.db') };
  if (kind === 'postgres') {
    if (!dto.FUNDTRAIL_POSTGRES_URL) problems.push('FUNDTRAIL_POSTGRES_URL is required when FUNDTRAIL_EVENT_STORE=postgres (e.g. postgres://postgres@127.0.0.1:5432/fundtrail)');
    else if (!/^postgres(ql)?:\/\//.test(dto.FUNDTRAIL_POSTGRES_URL)) problems.push(`FUNDTRAIL_POSTGRES_URL=${JSON.stringify(dto.FUNDTRAIL_POSTGRES_URL)}: must start with postgres://`);
    eventStore = { kind: 'postgres', connectionString: dto.FUNDTRAIL_POSTGRES_URL ?? '', schema: dto.FUNDTRAIL_POSTGRES_SCHEMA };
  } else if (kind === 'esdb') {
    if (!dto.FUNDTRAIL_ESDB_URL) problems.push('FUNDTRAIL_ESDB_URL is required when FUNDTRAIL_EVENT_STORE=esdb (e.g. esdb://127.0.0.1:2113?tls=false)');
    else if (!/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//.test(dto.FUNDTRAIL_ESDB_URL)) problems.push(`FUNDTRAIL_ESDB_URL=${JSON.stringify(dto.FUNDTRAIL_ESDB_URL)}: must start with esdb:// or esdb+discover://`);
    eventStore = { kind: 'esdb', connectionString: dto.FUNDTRAIL_ESDB_URL ?? '' };
  }
  const readModelKind = dto.FUNDTRAIL_READ_MODEL ?? (kind === 'sqlite' ? 'sqlite' : dto.FUNDTRAIL_READ_MODEL_URL || dto.FUNDTRAIL_POSTGRES_URL ? 'postgres' : 'sqlite');
  const readModelUrl = dto.FUNDTRAIL_READ_MODEL_URL ?? dto.FUNDTRAIL_POSTGRES_URL;
  if (readModelKind === 'postgres' && !readModelUrl) problems.push('FUNDTRAIL_READ_MODEL_URL is required when FUNDTRAIL_READ_MODEL=postgres');
  const security = securityConfig(dto, dataDir, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: dto.PORT ?? 3000,
    host: dto.HOST ?? '127.0.0.1',
    dataDir,
    eventStore,
    readModel:
      readModelKind === 'postgres'
        ? { kind: 'postgres', url: readModelUrl!, schema: dto.FUNDTRAIL_POSTGRES_SCHEMA }
        : { kind: 'sqlite', filename: resolve(dataDir, 'read-models.db') },
    demo: (dto.FUNDTRAIL_DEMO ?? 'true') === 'true',
    security,
  };
}

function securityConfig(dto: EnvironmentDto, dataDir: string, problems: string[]): SecurityConfig {
  const production = dto.FUNDTRAIL_ENV === 'production' || (dto.FUNDTRAIL_ENV === undefined && dto.NODE_ENV === 'production');
  const corsOrigins = (dto.FUNDTRAIL_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    // an exact origin, never a wildcard: scheme, host and optional port, nothing after
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      problems.push(`FUNDTRAIL_CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://fund.example.gov.cn (no wildcard, no path)`);
    } else if (production && origin.startsWith('http://')) {
      problems.push(`FUNDTRAIL_CORS_ORIGINS: ${JSON.stringify(origin)} must use https:// in production`);
    }
  }
  if (production && dto.FUNDTRAIL_DEMO_USER === 'true') problems.push('FUNDTRAIL_DEMO_USER=true is not allowed in production: create a real administrator (fundtrail users create-admin)');
  return {
    production,
    demoUser: dto.FUNDTRAIL_DEMO_USER === undefined ? !production : dto.FUNDTRAIL_DEMO_USER === 'true',
    corsOrigins,
    sessionTtlMinutes: dto.FUNDTRAIL_SESSION_TTL_MINUTES ?? 480,
    apiTokenTtlDaysMax: dto.FUNDTRAIL_API_TOKEN_TTL_DAYS_MAX ?? 365,
    loginPerMinute: dto.FUNDTRAIL_RATE_LOGIN_PER_MINUTE ?? 10,
    writesPerMinute: dto.FUNDTRAIL_RATE_WRITES_PER_MINUTE ?? 600,
    trustProxy: dto.FUNDTRAIL_TRUST_PROXY === 'true',
    authFilename: resolve(dataDir, 'auth.db'),
  };
}

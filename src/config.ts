/**
 * Configuration comes from the environment only, validated once at start-up; a bad value stops
 * the program with a message naming the variable, never a stack trace.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { resolve } from 'node:path';

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
}

export type EventStoreConfig =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; connectionString: string; schema?: string }
  | { kind: 'esdb'; connectionString: string };

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStore: EventStoreConfig;
  readModel: { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; schema?: string };
  /** Load the demo fund into an empty store at start-up. */
  demo: boolean;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`configuration error:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = { ...env, PORT: env.PORT === undefined || env.PORT === '' ? undefined : Number.isNaN(Number(env.PORT)) ? env.PORT : Number(env.PORT) };
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
  };
}

/**
 * The alert feature's settings, from the environment, validated once (a bad value names the variable):
 *   FUNDTRAIL_SMTP_URL                 smtp://user:pass@host:587 (e-mail alerts; none: e-mail deliveries fail and are retried)
 *   FUNDTRAIL_SMTP_FROM                sender address, default "Fundtrail <alerts@fundtrail.local>"
 *   FUNDTRAIL_ALERTS_INTERVAL_SECONDS  how often every fund is re-evaluated and due deliveries are sent (default 60)
 *   FUNDTRAIL_ALERTS                   "on" (default) or "off": off serves the API but runs no engine. Under Jest
 *                                      (NODE_ENV=test) the default is off: a background engine appending alerts would
 *                                      race the other suites' "the store is unchanged" checks; alert tests turn it on.
 */
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { ConfigError } from '../config';

class AlertsEnvironmentDto {
  @IsOptional() @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'must be smtp://host:port or smtps://host:port' })
  FUNDTRAIL_SMTP_URL?: string;
  @IsOptional() @IsString()
  FUNDTRAIL_SMTP_FROM?: string;
  @IsOptional() @IsInt() @Min(1) @Max(86_400)
  FUNDTRAIL_ALERTS_INTERVAL_SECONDS?: number;
  @IsOptional() @IsIn(['on', 'off'])
  FUNDTRAIL_ALERTS?: 'on' | 'off';
}

export interface AlertsConfig {
  smtp?: { url: string; from: string };
  intervalMs: number;
  engine: boolean;
}

export function loadAlertsConfig(env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const interval = env.FUNDTRAIL_ALERTS_INTERVAL_SECONDS;
  const raw = { ...env, FUNDTRAIL_ALERTS_INTERVAL_SECONDS: interval === undefined || interval === '' ? undefined : Number.isNaN(Number(interval)) ? interval : Number(interval) };
  const dto = plainToInstance(AlertsEnvironmentDto, raw);
  const errors = validateSync(dto, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(errors.map((error) => `${error.property}=${JSON.stringify(error.value)}: ${Object.values(error.constraints ?? {}).join('; ')}`));
  }
  return {
    ...(dto.FUNDTRAIL_SMTP_URL ? { smtp: { url: dto.FUNDTRAIL_SMTP_URL, from: dto.FUNDTRAIL_SMTP_FROM ?? 'Fundtrail <alerts@fundtrail.local>' } } : {}),
    intervalMs: (dto.FUNDTRAIL_ALERTS_INTERVAL_SECONDS ?? 60) * 1000,
    engine: (dto.FUNDTRAIL_ALERTS ?? (env.NODE_ENV === 'test' ? 'off' : 'on')) === 'on',
  };
}

/** Request bodies of the alert API. Dates "YYYY-MM-DD". */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { IsBusinessDate } from '../http/validators';
import { APPROVING_BODIES, CHANNEL_KINDS, LIMIT_DAYS_MAX } from './domain';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const ID_MESSAGE = 'id: 1–80 letters, digits, . _ : - / 编号只能包含字母、数字和 . _ : -';

export class AcknowledgeDto {
  @ApiProperty({ example: '已电话督促土默特左旗财政局，承诺本月内拨付' }) @IsString() @IsNotEmpty() @MaxLength(2_000)
  note: string;
}

export class LimitDaysDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(LIMIT_DAYS_MAX) 'city-finance'?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(LIMIT_DAYS_MAX) 'county-finance'?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(LIMIT_DAYS_MAX) department?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(LIMIT_DAYS_MAX) park?: number;
}

export class SetPolicyDto {
  @ApiPropertyOptional({ type: LimitDaysDto }) @IsOptional() @ValidateNested() @Type(() => LimitDaysDto)
  limitDays?: LimitDaysDto;
  @ApiPropertyOptional({ example: 90 }) @IsOptional() @IsInt() @Min(1) @Max(LIMIT_DAYS_MAX)
  projectPayoutWaitDays?: number;
  @ApiPropertyOptional({ example: 0.8 }) @IsOptional() @IsNumber() @Min(0.01) @Max(0.99)
  warningFraction?: number;
  @ApiPropertyOptional({ example: 2 }) @IsOptional() @IsNumber() @Min(1.01) @Max(10)
  escalationMultiple?: number;
  @ApiProperty({ example: '2022-01-01' }) @IsBusinessDate()
  effectiveFrom: string;
}

export class SubscriptionFilterDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) fundId?: string;
  @ApiPropertyOptional({ example: '150121' }) @IsOptional() @Matches(/^\d{6}$/) countyCode?: string;
  @ApiPropertyOptional({ example: 'county-finance' }) @IsOptional() @IsIn(['city-finance', 'county-finance', 'department', 'park', 'enterprise']) level?: string;
  @ApiPropertyOptional({ enum: ['warning', 'breach', 'critical'] }) @IsOptional() @IsIn(['warning', 'breach', 'critical']) minSeverity?: 'warning' | 'breach' | 'critical';
}

export class ChannelDto {
  @ApiProperty({ enum: CHANNEL_KINDS }) @IsIn(CHANNEL_KINDS as unknown as string[])
  kind: (typeof CHANNEL_KINDS)[number];
  @ApiPropertyOptional({ example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' }) @IsOptional() @IsString() @MaxLength(2_000)
  url?: string;
  @ApiPropertyOptional({ description: 'webhook: HMAC secret (≥16 chars; generated when absent); dingtalk: the robot’s SEC… secret' }) @IsOptional() @IsString() @MinLength(8) @MaxLength(200)
  secret?: string;
  @ApiPropertyOptional({ example: 'supervisor@example.gov.cn' }) @IsOptional() @IsString() @MaxLength(320)
  to?: string;
}

export class CreateSubscriptionDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  supervisorId?: string;
  @ApiProperty({ example: '市财政局监督检查科' }) @IsString() @IsNotEmpty() @MaxLength(200)
  supervisorName: string;
  @ApiProperty({ type: SubscriptionFilterDto }) @ValidateNested() @Type(() => SubscriptionFilterDto)
  filter: SubscriptionFilterDto;
  @ApiProperty({ type: ChannelDto }) @ValidateNested() @Type(() => ChannelDto)
  channel: ChannelDto;
}

export class RequestDeferralDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  deferralId?: string;
  @ApiProperty() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  fundId: string;
  @ApiPropertyOptional({ description: 'the holder whose money is deferred (one of holderId, projectId)' }) @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  holderId?: string;
  @ApiPropertyOptional({ description: 'the project whose payout is deferred' }) @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  projectId?: string;
  @ApiProperty({ example: '企业尚未完成项目验收' }) @IsString() @IsNotEmpty() @MaxLength(2_000)
  reason: string;
  @ApiProperty({ example: '2023-03-31', description: '延期至 / the new date' }) @IsBusinessDate()
  untilDate: string;
  @ApiPropertyOptional({ description: 'business date of the request (default today)' }) @IsOptional() @IsBusinessDate()
  occurredAt?: string;
}

export class DeferralDecisionDto {
  @ApiProperty({ enum: ['approve', 'reject'] }) @IsIn(['approve', 'reject'])
  decision: 'approve' | 'reject';
  @ApiProperty({ enum: APPROVING_BODIES, description: 'the body the caller decides for' }) @IsIn(APPROVING_BODIES as unknown as string[])
  body: (typeof APPROVING_BODIES)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2_000)
  note?: string;
  @ApiPropertyOptional() @IsOptional() @IsBusinessDate()
  occurredAt?: string;
}

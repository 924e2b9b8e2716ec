/** Request bodies of the ledger's API: amounts are decimal strings of 元, dates "YYYY-MM-DD". */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LEVELS, type Level } from '../domain';
import { IsBusinessDate, IsCreditCode, IsYuan } from '../http/validators';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const ID_MESSAGE = 'id: 1–80 letters, digits, . _ : - / 编号只能包含字母、数字和 . _ : -';
const TEXT_MAX = 200;
const NOTE_MAX = 2_000;

/** The fields every body repeats, each with its OpenAPI description and its validation in one place. */
const Id = () => applyDecorators(ApiProperty(), Matches(ID_PATTERN, { message: ID_MESSAGE }));
const OptionalId = () => applyDecorators(ApiPropertyOptional(), IsOptional(), Matches(ID_PATTERN, { message: ID_MESSAGE }));
const OptionalText = () => applyDecorators(ApiPropertyOptional(), IsOptional(), IsString(), MaxLength(TEXT_MAX));
/** The most payouts one batch may carry. */
export const BATCH_SIZE_MAX = 500;

export class CountyDto {
  @ApiProperty({ example: '150121' }) @Matches(/^\d{6}$/, { message: 'county.code: 6-digit administrative division code / 6位行政区划代码' })
  code: string;
  @ApiProperty({ example: '土默特左旗' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  name: string;
}

export class RegisterHolderDto {
  @ApiPropertyOptional({ example: 'tmzq-finance' }) @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  holderId?: string;
  @ApiProperty({ example: '土默特左旗财政局' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  name: string;
  @ApiPropertyOptional({ example: 'Tumed Left Banner Finance Bureau' }) @IsOptional() @IsString() @MaxLength(TEXT_MAX)
  nameEn?: string;
  @ApiProperty({ enum: LEVELS }) @IsIn(LEVELS as unknown as string[])
  level: Level;
  @ApiPropertyOptional({ type: CountyDto }) @IsOptional() @IsObject({ message: 'county: 必须是对象 {code, name} / must be an object {code, name}' }) @ValidateNested() @Type(() => CountyDto)
  county?: CountyDto;
  @ApiPropertyOptional({ example: '91150100MA0N000000' })
  @IsOptional()
  @IsCreditCode()
  creditCode?: string;
}

export class AppropriateFundDto {
  @ApiPropertyOptional({ example: 'hohhot-2022-industrial' }) @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  fundId?: string;
  @ApiProperty({ example: '2022年工业高质量发展专项资金' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  name: string;
  @OptionalText()
  nameEn?: string;
  @ApiProperty({ example: 2022 }) @IsInt() @Min(1990) @Max(2100)
  fiscalYear: number;
  @ApiProperty({ example: '150000000.00', description: '预算 in 元' }) @IsYuan()
  budget: string;
  @ApiProperty({ example: 'hhht-finance' }) @Matches(ID_PATTERN, { message: ID_MESSAGE })
  cityFinanceHolderId: string;
  @ApiProperty({ example: '2022-03-01' }) @IsBusinessDate()
  occurredAt: string;
  @OptionalText()
  document?: string;
}

export class IssueAllocationDto {
  @OptionalId()
  allocationId?: string;
  @ApiProperty({ example: '呼财工指〔2022〕28号' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  document: string;
  @ApiProperty({ example: '122513100.00' }) @IsYuan()
  amount: string;
  @ApiProperty({ example: '工业高质量发展' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  direction: string;
  @ApiProperty({ example: '2022-06-20' }) @IsBusinessDate()
  occurredAt: string;
}

export class SendTransferDto {
  @OptionalId()
  transferId?: string;
  @Id()
  fromHolderId: string;
  @Id()
  toHolderId: string;
  @ApiProperty({ example: '3000000.00' }) @IsYuan()
  amount: string;
  @OptionalText()
  document?: string;
  @OptionalId()
  projectId?: string;
  @OptionalId()
  allocationId?: string;
  @ApiProperty({ example: '2022-07-01' }) @IsBusinessDate()
  occurredAt: string;
}

export class ReceiveTransferDto {
  @ApiProperty({ example: '2022-07-15', description: '到账日期' }) @IsBusinessDate()
  occurredAt: string;
}

export class PayoutItemDto {
  @OptionalId()
  payoutId?: string;
  @Id()
  fromHolderId: string;
  @Id()
  projectId: string;
  @ApiProperty({ example: '300000.00' }) @IsYuan()
  amount: string;
  @OptionalText()
  document?: string;
  @OptionalId()
  allocationId?: string;
}

/** One payout (`items` with one entry) or a batch: all of it or none of it. */
export class MakePayoutsDto {
  @OptionalId()
  batchId?: string;
  @ApiProperty({ type: [PayoutItemDto] })
  @ArrayMinSize(1, { message: 'items: 至少一笔 / at least one payout' })
  @ArrayMaxSize(BATCH_SIZE_MAX, { message: `items: 每批最多 ${BATCH_SIZE_MAX} 笔 / at most ${BATCH_SIZE_MAX} payouts a batch` })
  @ValidateNested({ each: true })
  @Type(() => PayoutItemDto)
  items: PayoutItemDto[];
  @ApiProperty({ example: '2022-09-30' }) @IsBusinessDate()
  occurredAt: string;
}

export class ReturnFundsDto {
  @OptionalId()
  returnId?: string;
  @Id()
  fromHolderId: string;
  @Id()
  toHolderId: string;
  @ApiProperty({ example: '18046500.00' }) @IsYuan()
  amount: string;
  @ApiProperty({ enum: ['return', 'clawback', 'sweep'] }) @IsIn(['return', 'clawback', 'sweep'])
  kind: 'return' | 'clawback' | 'sweep';
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(NOTE_MAX)
  reason: string;
  @OptionalText()
  document?: string;
  @ApiProperty() @IsBusinessDate()
  occurredAt: string;
}

export class ReverseEventDto {
  @OptionalId()
  reversalId?: string;
  @ApiProperty({ description: 'eventId of the event to reverse (冲正)' }) @IsString() @IsNotEmpty() @MaxLength(80)
  eventId: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(NOTE_MAX)
  reason: string;
  @OptionalText()
  document?: string;
  @ApiProperty() @IsBusinessDate()
  occurredAt: string;
}

export class RegisterProjectDto {
  @Id()
  fundId: string;
  @OptionalId()
  projectId?: string;
  @ApiProperty({ example: '智能模块化预装式变电站' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  name: string;
  @Id()
  enterpriseHolderId: string;
  @ApiPropertyOptional({ type: CountyDto }) @IsOptional() @IsObject({ message: 'county: 必须是对象 {code, name} / must be an object {code, name}' }) @ValidateNested() @Type(() => CountyDto)
  county?: CountyDto;
  @OptionalId()
  parkHolderId?: string;
  @ApiProperty({ example: '技术装备首台（套）、关键零部件首批次' }) @IsString() @IsNotEmpty() @MaxLength(TEXT_MAX)
  direction: string;
  @ApiProperty({ example: 2 }) @IsInt() @Min(1) @Max(99)
  batch: number;
  @ApiProperty({ enum: ['review', 'fulfilment'], description: 'review 评审类 / fulfilment 兑现类' }) @IsIn(['review', 'fulfilment'])
  category: 'review' | 'fulfilment';
  @ApiProperty({ example: '300000.00' }) @IsYuan()
  approvedAmount: string;
  @ApiProperty() @IsBusinessDate()
  occurredAt: string;
  @OptionalText()
  document?: string;
}

export class ReportProgressDto {
  @ApiProperty({ example: 60 }) @IsInt() @Min(0) @Max(100)
  percent: number;
  @ApiProperty() @IsString() @MaxLength(NOTE_MAX)
  note: string;
  @ApiProperty() @IsBusinessDate()
  occurredAt: string;
}

export class CloseProjectDto {
  @ApiProperty({ enum: ['close', 'cancel'] }) @IsIn(['close', 'cancel'])
  action: 'close' | 'cancel';
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(NOTE_MAX)
  note: string;
  @ApiProperty() @IsBusinessDate()
  occurredAt: string;
}

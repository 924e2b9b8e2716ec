/** Query and body shapes of the audit API (validated by the global ValidationPipe). */
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { IsBusinessDate, IsYuan } from '../http/validators';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const ID_MESSAGE = 'id: 1–80 letters, digits, . _ : - / 编号只能包含字母、数字和 . _ : -';
export const FORMATS = ['json', 'xlsx', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export class FormatQuery {
  @ApiPropertyOptional({ enum: FORMATS, description: 'json（默认）、xlsx 或 csv / json (default), xlsx or csv' }) @IsOptional() @IsIn(FORMATS as unknown as string[])
  format?: Format;
}

export class AsOfQuery extends FormatQuery {
  @ApiPropertyOptional({ example: '2022-12-31', description: '业务日期（含）/ business date, inclusive' }) @IsOptional() @IsBusinessDate()
  asOf?: string;
  @ApiPropertyOptional({ description: '日志位置（含）/ log position, inclusive' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  atPosition?: number;
}

export class ReplayQuery extends FormatQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  holder?: string;
  @ApiPropertyOptional({ example: '150105' }) @IsOptional() @Matches(/^\d{6}$/, { message: 'county: 6-digit division code / 6位行政区划代码' })
  county?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  project?: string;
  @ApiPropertyOptional({ example: '2022-08-01' }) @IsOptional() @IsBusinessDate()
  from?: string;
  @ApiPropertyOptional({ example: '2022-12-31' }) @IsOptional() @IsBusinessDate()
  to?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  fromPosition?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  toPosition?: number;
}

export class DifferenceQuery extends FormatQuery {
  @ApiProperty({ example: '2022-12-31' }) @IsBusinessDate()
  from: string;
  @ApiProperty({ example: '2023-12-31' }) @IsBusinessDate()
  to: string;
}

export class VerifyQuery extends FormatQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE })
  fundId?: string;
  @ApiPropertyOptional({ description: 'ft1:<scope>:<position>:<count>:<sha256>' }) @IsOptional() @IsString() @MaxLength(400)
  digest?: string;
}

export class ReconcileDto {
  @ApiPropertyOptional({ enum: ['wan', 'yuan'], description: '金额单位：wan（万元，默认）或 yuan（元）' }) @IsOptional() @IsIn(['wan', 'yuan'])
  unit?: 'wan' | 'yuan';
  @ApiPropertyOptional({ example: '15000' }) @IsOptional() @IsYuan({ positive: false })
  budget?: string;
  @ApiPropertyOptional({ example: '13195.35' }) @IsOptional() @IsYuan({ positive: false })
  allocated?: string;
  @ApiPropertyOptional({ example: '2351.02' }) @IsOptional() @IsYuan({ positive: false })
  spent?: string;
  @ApiPropertyOptional({ example: '18.09' }) @IsOptional() @Matches(/^\d{1,3}(\.\d{1,4})?%?$/, { message: 'executionRate: a percentage such as 18.09 / 百分数，如 18.09' })
  executionRate?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300)
  source?: string;
  @ApiPropertyOptional({ example: '2023-12-31' }) @IsOptional() @IsBusinessDate()
  asOf?: string;
}

export class ImportDto {
  @ApiProperty({ example: '台账.xlsx' }) @IsString() @MaxLength(200)
  filename: string;
  @ApiProperty({ description: '文件内容（Base64）/ the file, base64' }) @IsString()
  contentBase64: string;
  @ApiPropertyOptional({ description: '只校验，不写入 / check only' }) @IsOptional() @IsBoolean()
  dryRun?: boolean;
}

export class TemplateQuery {
  @ApiPropertyOptional({ enum: ['xlsx', 'csv'] }) @IsOptional() @IsIn(['xlsx', 'csv'])
  format?: 'xlsx' | 'csv';
  @ApiPropertyOptional({ description: 'false: 不含示例行 / without example rows' }) @IsOptional() @IsIn(['true', 'false'])
  examples?: 'true' | 'false';
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PASSWORD_LENGTH_MAX } from './passwords';
import { ROLES, type Role } from './roles';

export class LoginDto {
  @ApiProperty({ example: 'demo' }) @IsString() @MinLength(1) @MaxLength(64)
  username: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(PASSWORD_LENGTH_MAX)
  password: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MaxLength(PASSWORD_LENGTH_MAX)
  currentPassword: string;
  @ApiProperty({ description: '12–256 characters' }) @IsString() @MaxLength(PASSWORD_LENGTH_MAX)
  newPassword: string;
}

export class CreateTokenDto {
  @ApiProperty({ example: '预算系统对接 / budget system integration' }) @IsString() @MinLength(1) @MaxLength(100)
  name: string;
  @ApiProperty({ example: 90, description: 'days until it expires' }) @IsInt() @Min(1) @Max(3650)
  days: number;
}

export class CreateUserDto {
  @ApiProperty({ example: 'tmzq.finance.li' }) @Matches(/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/, { message: 'username: 2–64 letters, digits, . _ @ - / 用户名为2–64个字母、数字或 . _ @ -' })
  username: string;
  @ApiPropertyOptional({ example: '李四' }) @IsOptional() @IsString() @MaxLength(200)
  displayName?: string;
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES as unknown as string[])
  role: Role;
  @ApiPropertyOptional({ example: '150121' }) @IsOptional() @Matches(/^\d{6}$/, { message: 'countyCode: 6 digits / 6位行政区划代码' })
  countyCode?: string;
  @ApiPropertyOptional({ example: 'tmzq-finance' }) @IsOptional() @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/, { message: 'unitHolderId: a holder id / 单位编号' })
  unitHolderId?: string;
  @ApiPropertyOptional({ description: 'absent: API tokens only (an integration)' }) @IsOptional() @IsString() @MaxLength(PASSWORD_LENGTH_MAX)
  password?: string;
}

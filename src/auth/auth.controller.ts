import { Body, Controller, DefaultValuePipe, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Ledger } from '../ledger/ledger';
import { AuthError } from './auth-error';
import { ChangePasswordDto, CreateTokenDto, CreateUserDto, LoginDto } from './auth.dto';
import { AuthService, type NewUser } from './auth.service';
import { type AuthenticatedRequest, CurrentIdentity, LoginRateLimited, Permission } from './decorators';
import type { Identity } from './identity';
import { verifyPassword } from './passwords';
import { COUNTY_ROLES, ROLE_PERMISSIONS } from './roles';

@ApiTags('auth 登录与令牌')
@ApiBearerAuth()
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login') @HttpCode(200) @Permission('session:login') @LoginRateLimited()
  @ApiOperation({ summary: '登录，取得会话令牌 / sign in for a session token (Authorization: Bearer …)' })
  login(@Body() body: LoginDto, @Req() request: AuthenticatedRequest) {
    return this.auth.login(body.username, body.password, { ip: request.ip });
  }

  @Post('logout') @HttpCode(200) @Permission('session:use') @ApiOperation({ summary: '退出：撤销当前令牌 / sign out: revoke the token used' })
  logout(@CurrentIdentity() identity: Identity) {
    this.auth.revokeToken(identity.tokenId, identity);
    return { revoked: identity.tokenId };
  }

  @Get('me') @Permission('session:use') @ApiOperation({ summary: '当前身份 / who am I' })
  me(@CurrentIdentity() identity: Identity) {
    // what the identity may do, so that a page can leave out what would only be refused
    return { ...identity, permissions: [...(ROLE_PERMISSIONS[identity.role] ?? [])].sort() };
  }

  @Post('password') @HttpCode(200) @Permission('session:use') @ApiOperation({ summary: '修改密码 / change my password' })
  async changePassword(@Body() body: ChangePasswordDto, @CurrentIdentity() identity: Identity) {
    const row = this.auth.db.prepare<[string], { password_hash: string | null }>('SELECT password_hash FROM users WHERE user_id = ?').get(identity.userId);
    if (!row?.password_hash || !(await verifyPassword(body.currentPassword, row.password_hash))) {
      throw new AuthError(403, 'bad-credentials', '当前密码错误', 'the current password is wrong');
    }
    await this.auth.setPassword(identity.userId, body.newPassword, identity.userId);
    return { changed: true };
  }

  @Get('tokens') @Permission('tokens:own') @ApiOperation({ summary: '我的令牌 / my tokens' })
  tokens(@CurrentIdentity() identity: Identity) {
    return this.auth.listTokens(identity.userId);
  }

  @Post('tokens') @Permission('tokens:own') @ApiOperation({ summary: '为自己创建接口令牌（只显示一次） / an API token for myself, shown once' })
  createToken(@Body() body: CreateTokenDto, @CurrentIdentity() identity: Identity) {
    return this.auth.issueApiToken(identity.userId, body.name, body.days);
  }

  @Delete('tokens/:tokenId') @Permission('tokens:own') @ApiOperation({ summary: '撤销令牌 / revoke a token' })
  revoke(@Param('tokenId') tokenId: string, @CurrentIdentity() identity: Identity) {
    this.auth.revokeToken(tokenId, identity);
    return { revoked: tokenId };
  }
}

@ApiTags('users 用户')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly auth: AuthService,
    private readonly ledger: Ledger,
  ) {}

  @Get() @Permission('users:read') @ApiOperation({ summary: '用户列表 / users' })
  list() {
    return this.auth.listUsers();
  }

  @Post() @Permission('users:manage') @ApiOperation({ summary: '创建用户（角色、旗县区、单位） / create a user with role and scope' })
  async create(@Body() body: CreateUserDto, @CurrentIdentity() identity: Identity) {
    await assertUnitInRegistry(this.ledger, body);
    return this.auth.createUser(body, identity.userId);
  }

  @Post(':userId/disable') @HttpCode(200) @Permission('users:manage') @ApiOperation({ summary: '停用用户并撤销其全部令牌 / disable a user, revoking every token' })
  disable(@Param('userId') userId: string, @CurrentIdentity() identity: Identity) {
    if (this.auth.requireUser(userId).userId === identity.userId) throw new AuthError(409, 'self-disable', '不能停用自己', 'you cannot disable yourself');
    return this.auth.disableUser(userId, identity.userId);
  }

  @Post(':userId/tokens') @Permission('users:manage') @ApiOperation({ summary: '为用户（如对接系统）创建接口令牌 / an API token for a user (an integration)' })
  createToken(@Param('userId') userId: string, @Body() body: CreateTokenDto) {
    return this.auth.issueApiToken(this.auth.requireUser(userId).userId, body.name, body.days);
  }
}

@ApiTags('security 安全日志')
@ApiBearerAuth()
@Controller('api/security-log')
export class SecurityLogController {
  constructor(private readonly auth: AuthService) {}

  @Get() @Permission('security-log:read') @ApiOperation({ summary: '安全日志：被拒绝的请求、登录、令牌 / denied requests, logins, tokens (newest first)' })
  list(
    @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number,
    @Query('before', new DefaultValuePipe(0), ParseIntPipe) before: number,
    @Query('kind') kind?: string,
  ) {
    return this.auth.securityLog({ limit, before: before > 0 ? before : undefined, kind: typeof kind === 'string' ? kind.slice(0, 40) : undefined });
  }
}

/** A scoped user's unit must be a registered holder of their county (a typo would lock them out or in). */
export async function assertUnitInRegistry(ledger: Ledger, user: Pick<NewUser, 'role' | 'countyCode' | 'unitHolderId'>): Promise<void> {
  if (!user.unitHolderId) return;
  const holder = await ledger.holder(user.unitHolderId);
  if (!holder) throw new AuthError(422, 'unknown-holder', `单位 ${user.unitHolderId} 未登记`, `holder ${user.unitHolderId} is not registered`);
  if (user.role === 'project-owner' && holder.level !== 'enterprise') {
    throw new AuthError(422, 'wrong-level', `项目单位用户的单位必须是企业，${user.unitHolderId} 不是`, `a project owner’s unit must be an enterprise; ${user.unitHolderId} is not`);
  }
  if (COUNTY_ROLES.has(user.role) && holder.county?.code !== user.countyCode) {
    throw new AuthError(422, 'wrong-county', `单位 ${user.unitHolderId} 不在旗县区 ${user.countyCode}`, `holder ${user.unitHolderId} is not in county ${user.countyCode}`);
  }
}

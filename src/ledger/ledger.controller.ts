import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, DefaultValuePipe } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { parseYuan } from '../domain';
import { Permission } from '../auth/decorators';
import { CommandCtx } from '../http/request-context';
import type { CommandContext, CommandResult } from './ledger';
import { ExecuteFundCommand, RegisterHolderCommand } from './ledger.commands';
import {
  AppropriateFundDto,
  CloseProjectDto,
  IssueAllocationDto,
  MakePayoutsDto,
  RegisterHolderDto,
  RegisterProjectDto,
  ReportProgressDto,
  ReturnFundsDto,
  ReverseEventDto,
  ReceiveTransferDto,
  SendTransferDto,
} from './ledger.dto';
import { LedgerQueries } from './ledger.queries';

const IDEMPOTENCY_HEADER = { name: 'Idempotency-Key', required: false, description: '同一键重复提交只生效一次 / a retry with the same key has one effect' };
const id = (given?: string) => given ?? randomUUID();

@ApiTags('holders 资金所在单位')
@ApiBearerAuth()
@Controller('api/holders')
export class HoldersController {
  constructor(private readonly commands: CommandBus, private readonly queries: LedgerQueries) {}

  @Permission('holders:register')
  @Post() @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '登记单位 / register a holder' })
  register(@Body() body: RegisterHolderDto, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.commands.execute(new RegisterHolderCommand({ kind: 'RegisterHolder', ...body, holderId: id(body.holderId) }, context));
  }

  @Permission('holders:read')
  @Get() @ApiOperation({ summary: '单位列表 / list holders' })
  list(@Query('level') level?: string, @Query('county') county?: string) {
    return this.queries.holders({ level, county });
  }
}

@ApiTags('funds 专项资金')
@ApiBearerAuth()
@Controller('api/funds')
export class FundsController {
  constructor(private readonly commands: CommandBus, private readonly queries: LedgerQueries) {}

  @Permission('funds:appropriate')
  @Post() @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '设立专项资金（预算） / appropriate a fund' })
  appropriate(@Body() body: AppropriateFundDto, @CommandCtx() context: CommandContext) {
    const { budget, fundId, ...rest } = body;
    const fund = id(fundId);
    return this.commands.execute(new ExecuteFundCommand(fund, { kind: 'AppropriateFund', ...rest, fundId: fund, budgetFen: parseYuan(budget) }, context));
  }

  @Permission('funds:list')
  @Get() @ApiOperation({ summary: '专项资金列表 / list funds' })
  list() {
    return this.queries.funds();
  }

  @Permission('funds:read')
  @Get(':fundId') @ApiOperation({ summary: '资金概况：预算、已下达、各单位余额、在途 / a fund: budget, allocated, balances, in transit' })
  get(@Param('fundId') fundId: string) {
    return this.queries.fund(fundId);
  }

  @Permission('funds:events:read')
  @Get(':fundId/events') @ApiOperation({ summary: '资金事件（按顺序，含哈希链） / the fund’s events in order, with their hashes' })
  events(
    @Param('fundId') fundId: string,
    @Query('fromVersion', new DefaultValuePipe(0), ParseIntPipe) fromVersion: number,
    @Query('limit', new DefaultValuePipe(1000), ParseIntPipe) limit: number,
  ) {
    return this.queries.events(fundId, Math.max(0, fromVersion), Math.max(1, limit));
  }

  @Permission('funds:allocate')
  @Post(':fundId/allocations') @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '指标下达 / issue an allocation' })
  allocate(@Param('fundId') fundId: string, @Body() body: IssueAllocationDto, @CommandCtx() context: CommandContext) {
    const { amount, allocationId, ...rest } = body;
    return this.run(fundId, { kind: 'IssueAllocation', ...rest, allocationId: id(allocationId), amountFen: parseYuan(amount) }, context);
  }

  @Permission('money:transfer')
  @Post(':fundId/transfers') @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '拨付（在途，待到账） / send a transfer' })
  send(@Param('fundId') fundId: string, @Body() body: SendTransferDto, @CommandCtx() context: CommandContext) {
    const { amount, transferId, ...rest } = body;
    return this.run(fundId, { kind: 'SendTransfer', ...rest, transferId: id(transferId), amountFen: parseYuan(amount) }, context);
  }

  @Permission('money:receive')
  @Post(':fundId/transfers/:transferId/receipt') @HttpCode(201) @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '到账 / receive a transfer' })
  receive(@Param('fundId') fundId: string, @Param('transferId') transferId: string, @Body() body: ReceiveTransferDto, @CommandCtx() context: CommandContext) {
    return this.run(fundId, { kind: 'ReceiveTransfer', transferId, occurredAt: body.occurredAt }, context);
  }

  @Permission('money:payout')
  @Post(':fundId/payouts') @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '兑现至企业，一笔或一批（全部或全不） / pay enterprises, one or a batch (all or nothing)' })
  pay(@Param('fundId') fundId: string, @Body() body: MakePayoutsDto, @CommandCtx() context: CommandContext) {
    return this.run(
      fundId,
      {
        kind: 'MakePayouts',
        batchId: body.batchId ?? (body.items.length > 1 ? randomUUID() : undefined),
        occurredAt: body.occurredAt,
        items: body.items.map(({ amount, payoutId, ...item }) => ({ ...item, payoutId: id(payoutId), amountFen: parseYuan(amount) })),
      },
      context,
    );
  }

  @Permission('money:return')
  @Post(':fundId/returns') @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '退回/收回/结余收回统筹 / return money up, claw back, sweep into the pool' })
  giveBack(@Param('fundId') fundId: string, @Body() body: ReturnFundsDto, @CommandCtx() context: CommandContext) {
    const { amount, returnId, kind, ...rest } = body;
    return this.run(fundId, { kind: 'ReturnFunds', ...rest, returnKind: kind, returnId: id(returnId), amountFen: parseYuan(amount) }, context);
  }

  @Permission('money:reverse')
  @Post(':fundId/reversals') @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '冲正 / reverse an earlier event' })
  reverse(@Param('fundId') fundId: string, @Body() body: ReverseEventDto, @CommandCtx() context: CommandContext) {
    const { reversalId, ...rest } = body;
    return this.run(fundId, { kind: 'ReverseEvent', ...rest, reversalId: id(reversalId) }, context);
  }

  private run(fundId: string, command: ExecuteFundCommand['command'], context: CommandContext): Promise<CommandResult> {
    return this.commands.execute(new ExecuteFundCommand(fundId, command, context));
  }
}

@ApiTags('projects 项目')
@ApiBearerAuth()
@Controller('api/projects')
export class ProjectsController {
  constructor(private readonly commands: CommandBus, private readonly queries: LedgerQueries) {}

  @Permission('projects:register')
  @Post() @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '项目登记 / register a project' })
  register(@Body() body: RegisterProjectDto, @CommandCtx() context: CommandContext) {
    const { fundId, approvedAmount, projectId, ...rest } = body;
    return this.commands.execute(
      new ExecuteFundCommand(fundId, { kind: 'RegisterProject', ...rest, projectId: id(projectId), approvedFen: parseYuan(approvedAmount) }, context),
    );
  }

  @Permission('projects:read')
  @Get() @ApiOperation({ summary: '项目库 / the project registry' })
  list(@Query('fundId') fundId?: string, @Query('enterprise') enterpriseHolderId?: string, @Query('county') county?: string, @Query('status') status?: string) {
    return this.queries.projects({ fundId, enterpriseHolderId, county, status });
  }

  @Permission('projects:report-progress')
  @Post(':projectId/progress') @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '项目进度报告 / report progress' })
  async progress(@Param('projectId') projectId: string, @Body() body: ReportProgressDto, @CommandCtx() context: CommandContext) {
    const project = await this.queries.project(projectId);
    return this.commands.execute(new ExecuteFundCommand(project.fundId, { kind: 'ReportProgress', projectId, ...body }, context));
  }

  @Permission('projects:close')
  @Post(':projectId/closure') @HttpCode(201) @ApiHeader(IDEMPOTENCY_HEADER) @ApiOperation({ summary: '结项或撤销 / close or cancel a project' })
  async close(@Param('projectId') projectId: string, @Body() body: CloseProjectDto, @CommandCtx() context: CommandContext) {
    const project = await this.queries.project(projectId);
    const command =
      body.action === 'close'
        ? ({ kind: 'CloseProject', projectId, note: body.note, occurredAt: body.occurredAt } as const)
        : ({ kind: 'CancelProject', projectId, reason: body.note, occurredAt: body.occurredAt } as const);
    return this.commands.execute(new ExecuteFundCommand(project.fundId, command, context));
  }
}

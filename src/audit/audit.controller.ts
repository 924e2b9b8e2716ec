/**
 * The audit API: read and replay everything (permission `funds:events:read`: administrators, city finance,
 * auditors, supervisors — never county-scoped users, the log spans every county), import only for those who
 * may set up funds (`funds:appropriate`). Every report answers JSON, or `?format=xlsx|csv` for a file.
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, StreamableFile, UnprocessableEntityException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RUNTIME } from '../app/tokens';
import type { Runtime } from '../app/runtime';
import { Permission } from '../auth/decorators';
import { parseYuan, wan } from '../domain';
import { CommandCtx } from '../http/request-context';
import type { CommandContext } from '../ledger/ledger';
import { present } from '../shared/present';
import { AuditService } from './audit.service';
import { AsOfQuery, DifferenceQuery, type Format, FormatQuery, ImportDto, ReconcileDto, ReplayQuery, TemplateQuery, VerifyQuery } from './audit.dto';
import { TableFormatError } from './import/read-table';
import { writeTemplate } from './import/template';
import { differenceSheets, duplicateSheets, enterpriseSheets, leagueSheets, reconcileSheets, replaySheets, stateSheets, verifySheets } from './sheets';
import { CONTENT_TYPES, type Sheet, writeSheets } from './tabular';
import { DigestFormatError, parseDigest } from './verify';
import type { AsOf } from './replay';

const READ = 'funds:events:read' as const;

@ApiTags('audit 审计')
@Controller('api/audit')
export class AuditController {
  private readonly service: AuditService;

  constructor(@Inject(RUNTIME) runtime: Runtime) {
    this.service = new AuditService(runtime);
  }

  @Get('funds/:fundId/replay') @Permission(READ) @ApiOperation({ summary: '资金回放：逐笔事件及受影响单位的余额 / replay a fund step by step with running balances' })
  async replay(@Param('fundId') fundId: string, @Query() query: ReplayQuery, @Res({ passthrough: true }) response: Response) {
    const replay = await this.service.replay(fundId, { holderId: query.holder, countyCode: query.county, projectId: query.project, from: query.from, to: query.to, fromPosition: query.fromPosition, toPosition: query.toPosition });
    return answer(response, query.format, `replay-${fundId}`, replay, () => replaySheets(replay));
  }

  @Get('funds/:fundId/state') @Permission(READ) @ApiOperation({ summary: '某日期或日志位置时的资金状态 / the fund as of a date or log position' })
  async state(@Param('fundId') fundId: string, @Query() query: AsOfQuery, @Res({ passthrough: true }) response: Response) {
    const state = await this.service.state(fundId, asOfOf(query));
    return answer(response, query.format, `state-${fundId}`, state, () => stateSheets(state));
  }

  @Get('funds/:fundId/difference') @Permission(READ) @ApiOperation({ summary: '两日期间：什么动了，什么没动 / between two dates: what moved, what stayed' })
  async difference(@Param('fundId') fundId: string, @Query() query: DifferenceQuery, @Res({ passthrough: true }) response: Response) {
    const difference = await this.service.difference(fundId, query.from, query.to);
    return answer(response, query.format, `difference-${fundId}`, difference, () => differenceSheets(difference));
  }

  @Get('verify') @Permission(READ) @ApiOperation({ summary: '防篡改校验与历史摘要；带 digest 时证明历史未改且只增 / tamper check and digest; with a digest, prove the history is unchanged and only grew' })
  async verify(@Query() query: VerifyQuery, @Res({ passthrough: true }) response: Response) {
    let against;
    try {
      against = query.digest ? parseDigest(query.digest) : undefined;
    } catch (error) {
      if (error instanceof DigestFormatError) throw new UnprocessableEntityException({ error: 'bad-digest', message: error.message, message_zh: '不是有效的摘要', message_en: error.message });
      throw error;
    }
    const report = await this.service.verify({ fundId: query.fundId, against });
    return answer(response, query.format, 'verify', report, () => verifySheets(report));
  }

  @Get('duplicates') @Permission(READ) @ApiOperation({ summary: '重复奖补（跨资金、跨渠道）/ duplicate awards across funds and channels' })
  async duplicates(@Query() query: FormatQuery, @Res({ passthrough: true }) response: Response) {
    const report = await this.service.duplicates();
    return answer(response, query.format, 'duplicates', report, () => duplicateSheets(report));
  }

  @Get('enterprises/:query') @Permission(READ) @ApiOperation({ summary: '企业受奖补历史（编号、信用代码或名称）/ an enterprise’s history by id, credit code or name' })
  async enterprise(@Param('query') enterprise: string, @Query() query: FormatQuery, @Res({ passthrough: true }) response: Response) {
    const history = await this.service.enterprise(enterprise);
    return answer(response, query.format, `enterprise-${history.enterprise.holderId}`, history, () => enterpriseSheets(history));
  }

  @Post('funds/:fundId/reconciliation') @HttpCode(200) @Permission(READ) @ApiOperation({ summary: '报告数与账本对账 / reconcile reported figures with the ledger' })
  async reconcile(@Param('fundId') fundId: string, @Body() body: ReconcileDto, @Query() query: FormatQuery, @Res({ passthrough: true }) response: Response) {
    const unit = body.unit ?? 'wan';
    const amount = (value?: string) => (value === undefined ? undefined : unit === 'wan' ? wan(value) : parseYuan(value));
    const result = await this.service.reconcile(
      fundId,
      { unit, budgetFen: amount(body.budget), allocatedFen: amount(body.allocated), spentFen: amount(body.spent), executionRate: body.executionRate, source: body.source },
      body.asOf ? { date: body.asOf } : {},
    );
    return answer(response, query.format, `reconciliation-${fundId}`, result, () => reconcileSheets(result));
  }

  @Get('funds/:fundId/league') @Permission(READ) @ApiOperation({ summary: '旗县区排名：执行率、滞留中位数、逾期资金 / county league table' })
  async league(@Param('fundId') fundId: string, @Query() query: AsOfQuery, @Res({ passthrough: true }) response: Response) {
    const table = await this.service.league(fundId, asOfOf(query));
    return answer(response, query.format, `league-${fundId}`, table, () => leagueSheets(table));
  }

  @Get('import-template') @Permission(READ) @ApiOperation({ summary: '台账导入模板 / the ledger import template' })
  async template(@Query() query: TemplateQuery, @Res({ passthrough: true }) response: Response) {
    const format = query.format ?? 'xlsx';
    const content = await writeTemplate(format, { examples: query.examples !== 'false' });
    return file(response, format, 'fundtrail-import-template', content);
  }

  @Post('imports') @Permission('funds:appropriate') @ApiOperation({ summary: '导入台账（全部校验通过才写入；重复导入无变化）/ import a ledger: all rows checked first, nothing half-imported, re-import changes nothing' })
  async import(@Body() body: ImportDto, @CommandCtx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    let report;
    try {
      report = await this.service.import(body.filename, Buffer.from(body.contentBase64, 'base64'), { actor: context.actor, dryRun: body.dryRun });
    } catch (error) {
      if (error instanceof TableFormatError) throw new UnprocessableEntityException({ error: 'bad-file', message: `${error.reason_zh} / ${error.reason_en}`, message_zh: error.reason_zh, message_en: error.reason_en });
      throw error;
    }
    response.status(report.ok ? (report.applied > 0 ? 201 : 200) : 422);
    return report;
  }
}

function asOfOf(query: AsOfQuery): AsOf {
  return { ...(query.asOf ? { date: query.asOf } : {}), ...(query.atPosition !== undefined ? { position: query.atPosition } : {}) };
}

async function answer(response: Response, format: Format | undefined, name: string, value: unknown, sheets: () => Sheet[]): Promise<unknown> {
  if (!format || format === 'json') return present(value);
  return file(response, format, name, await writeSheets(format, sheets()));
}

function file(response: Response, format: 'xlsx' | 'csv', name: string, content: Buffer): StreamableFile {
  const filename = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`;
  response.setHeader('Content-Type', CONTENT_TYPES[format]);
  response.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  return new StreamableFile(content);
}

import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFundStream } from '../audit/history';
import { isBusinessDate } from '../domain';
import { LedgerQueries } from '../ledger/ledger.queries';
import { Ledger } from '../ledger/ledger';
import { RUNTIME } from '../app/tokens';
import type { Runtime } from '../app/runtime';
import { present } from '../shared/present';
import { fundView, projectsAsOf } from './fund-view';
import { disclosure } from './disclosure';
import { Permission, Public } from '../auth/decorators';
import { VENDOR_FILES, publicFile } from './static-files';

/**
 * The pages' own policy: scripts only from this origin; inline styles allowed because ECharts writes its
 * tooltips as HTML with style attributes; data only from this origin; never framed.
 */
const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function sendPage(response: Response, file: string): void {
  response.setHeader('Content-Security-Policy', PAGE_POLICY);
  response.setHeader('Cache-Control', 'no-cache');
  response.sendFile(file);
}

function asOfParam(asOf?: string): string | undefined {
  if (asOf === undefined || asOf === '') return undefined;
  if (!isBusinessDate(asOf)) throw new BadRequestException({ error: 'bad-date', message: 'asOf must be YYYY-MM-DD', message_zh: 'asOf 须为 YYYY-MM-DD 日期', message_en: 'asOf must be YYYY-MM-DD' });
  return asOf;
}

@ApiTags('dashboard 看板')
@Controller('api/dashboard')
export class DashboardApiController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly ledger: Ledger,
    private readonly queries: LedgerQueries,
  ) {}

  @Get('funds/:fundId/overview') @Permission('funds:read')
  @ApiOperation({ summary: '看板：某日的资金流向（桑基图）、各旗县区、执行率与到位率 / dashboard: flows, counties and rates as of a date' })
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD (business date)' })
  async overview(@Param('fundId') fundId: string, @Query('asOf') asOf?: string) {
    const date = asOfParam(asOf);
    await this.queries.requireFund(fundId);
    const events = await readFundStream(this.runtime.store, fundId);
    const holders = new Map((await this.ledger.holders()).map((holder) => [holder.holderId, holder]));
    return present(fundView(events, holders, date));
  }

  @Get('funds/:fundId/projects') @Permission('funds:read')
  @ApiOperation({ summary: '看板：某日的项目库（已拨付、进度、状态）/ dashboard: the fund\'s projects as of a date (paid, progress, status)' })
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD (business date)' })
  async projects(@Param('fundId') fundId: string, @Query('asOf') asOf?: string) {
    const date = asOfParam(asOf);
    await this.queries.requireFund(fundId);
    return present(projectsAsOf(await readFundStream(this.runtime.store, fundId), date));
  }
}

@ApiTags('dashboard 看板')
@Controller('api/public')
export class DisclosureController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly ledger: Ledger,
    private readonly queries: LedgerQueries,
  ) {}

  @Get('disclosure') @Public()
  @ApiOperation({ summary: '拨付情况公示（无需登录）/ public disclosure of payouts (no login)' })
  async list() {
    const funds = (await this.queries.funds()) as Array<{ fundId: string }>;
    const holders = new Map((await this.ledger.holders()).map((holder) => [holder.holderId, holder]));
    const result = [];
    for (const fund of funds) result.push(disclosure(await readFundStream(this.runtime.store, fund.fundId), holders));
    return present(result);
  }
}

/**
 * The pages and their scripts, open to everyone (they hold no data: every figure comes from an API that
 * checks the caller); `/` opens the dashboard, `/public/` the disclosure page.
 */
@Controller()
export class DashboardStaticController {
  @Get() @Public() @ApiExcludeEndpoint()
  root(@Res() response: Response) {
    response.redirect(302, '/dashboard/');
  }

  // Express matches '/dashboard' and '/dashboard/' alike (no strict routing): redirect only the bare one
  @Get('dashboard') @Public() @ApiExcludeEndpoint()
  dashboardRoot(@Req() request: Request, @Res() response: Response) {
    if (request.path.endsWith('/')) return sendPage(response, publicFile('index.html')!);
    response.redirect(302, '/dashboard/');
  }

  @Get('public') @Public() @ApiExcludeEndpoint()
  publicPage(@Req() request: Request, @Res() response: Response) {
    if (request.path.endsWith('/')) return sendPage(response, publicFile('public.html')!);
    response.redirect(302, '/public/');
  }

  @Get('dashboard/vendor/:name') @Public() @ApiExcludeEndpoint()
  vendor(@Param('name') name: string, @Res() response: Response) {
    const file = VENDOR_FILES[name];
    if (!file) throw new NotFoundException({ error: 'not-found', message: `no vendor file ${name}` });
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.sendFile(file);
  }

  @Get('dashboard/*path') @Public() @ApiExcludeEndpoint()
  file(@Req() request: Request, @Res() response: Response) {
    const relative = decodeURIComponent(request.path.replace(/^\/dashboard\/?/, ''));
    const file = publicFile(relative);
    if (!file) throw new NotFoundException({ error: 'not-found', message: `no page ${relative}` });
    sendPage(response, file);
  }
}

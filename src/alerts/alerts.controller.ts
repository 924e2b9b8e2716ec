/** The alert API: one line per route, handing off to the alert service. */
import { Body, Controller, Delete, Get, HttpCode, Inject, type MessageEvent, Param, Post, Query, Sse } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Observable, filter, map } from 'rxjs';
import { isBusinessDate } from '../domain';
import { Permission } from '../auth/decorators';
import { CommandCtx } from '../http/request-context';
import type { CommandContext } from '../ledger/ledger';
import { AlertEngine } from './alert-engine';
import { AlertService } from './alert-service';
import { AcknowledgeDto, CreateSubscriptionDto, DeferralDecisionDto, RequestDeferralDto, SetPolicyDto } from './alerts.dto';
import { AlertRefusal, type Channel, type SubscriptionState, matches } from './domain';
import { presentAlert, presentFinding, presentSubscription } from './present-alerts';

@ApiTags('alerts 滞留预警')
@Controller('api/alerts')
export class AlertsController {
  constructor(@Inject(AlertService) private readonly alerts: AlertService, @Inject(AlertEngine) private readonly engine: AlertEngine) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '预警列表 / list alerts (fundId, county, level, severity, status=open|acknowledged|resolved)' })
  async list(@Query('fundId') fundId?: string, @Query('county') countyCode?: string, @Query('level') level?: string, @Query('severity') severity?: string, @Query('status') status?: string, @Query('limit') limit?: string) {
    return (await this.alerts.list({ fundId, countyCode, level, severity, status, limit: limit ? Number(limit) || undefined : undefined })).map(presentAlert);
  }

  @Sse('stream') @Permission('alerts:read') @ApiOperation({ summary: '实时预警流（SSE，看板用） / live alert stream for the dashboard (server-sent events)' })
  stream(@Query('fundId') fundId?: string, @Query('county') countyCode?: string, @Query('level') level?: string, @Query('minSeverity') minSeverity?: 'warning' | 'breach' | 'critical'): Observable<MessageEvent> {
    return this.alerts.changes.pipe(
      filter((change) => matches({ fundId, countyCode, level, minSeverity }, change.alert)),
      map((change) => ({ type: change.type, id: `${change.alert.alertId}:${change.alert.version}`, data: presentAlert(change.alert) as object })),
    );
  }

  @Get('as-of/:fundId') @Permission('alerts:read') @ApiOperation({ summary: '截至某日应触发的预警（审计） / the alerts a fund would have raised by a date, with their dates' })
  async asOf(@Param('fundId') fundId: string, @Query('date') date: string) {
    if (!isBusinessDate(date)) throw new AlertRefusal('bad-policy', `日期无效：${date}（YYYY-MM-DD）`, `date must be YYYY-MM-DD: ${date}`);
    await this.alerts.catchUp();
    const findings = this.alerts.findings(fundId, date);
    return { fundId, asOf: date, policy: (await this.alerts.policy(fundId, date)).current, count: findings.length, alerts: findings.map(presentFinding) };
  }

  @Post('evaluation') @HttpCode(200) @Permission('alerts:read') @ApiOperation({ summary: '立即检查 / evaluate every fund now and send what is due' })
  async evaluate() {
    await this.engine.tick({ all: true });
    return { ok: true };
  }

  @Get(':alertId') @Permission('alerts:read') @ApiOperation({ summary: '一条预警 / one alert with its acknowledgements' })
  async get(@Param('alertId') alertId: string) {
    await this.alerts.catchUp();
    const alert = this.alerts.alerts.get(alertId);
    if (!alert) throw new AlertRefusal('unknown-alert', `预警 ${alertId} 不存在`, `alert ${alertId} not found`);
    return presentAlert(alert);
  }

  @Post(':alertId/acknowledgements') @Permission('alerts:read') @ApiOperation({ summary: '确认预警（署名并说明） / acknowledge an alert, with a note' })
  async acknowledge(@Param('alertId') alertId: string, @Body() body: AcknowledgeDto, @CommandCtx() context: CommandContext) {
    return presentAlert(await this.alerts.acknowledge(alertId, context.actor, body.note));
  }
}

@ApiTags('alerts 滞留预警')
@Controller('api/funds/:fundId/alert-policy')
export class AlertPolicyController {
  constructor(@Inject(AlertService) private readonly alerts: AlertService) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '预警规则及其版本 / the fund’s alert policy and its versions' })
  get(@Param('fundId') fundId: string) {
    return this.alerts.policy(fundId);
  }

  @Post() @Permission('funds:allocate') @ApiOperation({ summary: '修改预警规则（新版本） / change the policy (a new version)' })
  set(@Param('fundId') fundId: string, @Body() body: SetPolicyDto, @CommandCtx() context: CommandContext) {
    return this.alerts.setPolicy(fundId, { ...body, limitDays: body.limitDays ? { ...body.limitDays } : undefined }, context.actor);
  }
}

@ApiTags('alerts 滞留预警')
@Controller('api/alert-subscriptions')
export class AlertSubscriptionsController {
  constructor(@Inject(AlertService) private readonly alerts: AlertService) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '订阅列表（不含密钥） / subscriptions (secrets hidden)' })
  async list() {
    await this.alerts.catchUp();
    return [...this.alerts.subscriptions.values()].filter((subscription) => !subscription.removed).map(presentSubscription);
  }

  @Post() @Permission('alerts:read') @ApiOperation({ summary: '订阅预警（webhook / 企业微信 / 钉钉 / 邮件）；webhook 密钥仅在此返回一次 / subscribe; the webhook secret is shown once' })
  async create(@Body() body: CreateSubscriptionDto, @CommandCtx() context: CommandContext) {
    const subscription: SubscriptionState = await this.alerts.createSubscription({ ...body, filter: { ...body.filter }, channel: body.channel as Channel }, context.actor);
    return { ...presentSubscription(subscription), ...(subscription.channel.kind === 'webhook' ? { secret: subscription.channel.secret } : {}) };
  }

  @Delete(':subscriptionId') @HttpCode(204) @Permission('alerts:read') @ApiOperation({ summary: '取消订阅 / unsubscribe' })
  remove(@Param('subscriptionId') subscriptionId: string, @CommandCtx() context: CommandContext) {
    return this.alerts.removeSubscription(subscriptionId, context.actor);
  }
}

@ApiTags('alerts 滞留预警')
@Controller('api/alert-deliveries')
export class AlertDeliveriesController {
  constructor(@Inject(AlertService) private readonly alerts: AlertService, @Inject(AlertEngine) private readonly engine: AlertEngine) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '投递记录：status=pending|delivered|dead（死信队列），failing=true 只看失败过的 / deliveries; dead = the dead-letter queue' })
  async list(@Query('status') status?: string, @Query('failing') failing?: string, @Query('alertId') alertId?: string) {
    await this.alerts.catchUp();
    return [...this.alerts.deliveries.values()]
      .filter((delivery) => !status || delivery.status === status)
      .filter((delivery) => failing !== 'true' || delivery.lastError !== undefined)
      .filter((delivery) => !alertId || delivery.alertId === alertId);
  }

  @Post(':deliveryId/redelivery') @Permission('alerts:read') @ApiOperation({ summary: '重新投递（死信或已送达） / redeliver a dead-lettered or delivered message' })
  async redeliver(@Param('deliveryId') deliveryId: string, @CommandCtx() context: CommandContext) {
    const state = await this.alerts.redeliver(deliveryId, context.actor);
    void this.engine.tick();
    return state;
  }
}

@ApiTags('deferrals 延期拨付')
@Controller('api/deferrals')
export class DeferralsController {
  constructor(@Inject(AlertService) private readonly alerts: AlertService) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '延期拨付申请 / deferrals with their status' })
  async list(@Query('fundId') fundId?: string) {
    await this.alerts.catchUp();
    return [...this.alerts.deferrals.values()].filter((deferral) => !fundId || deferral.fundId === fundId).map((deferral) => this.alerts.deferralView(deferral));
  }

  @Post() @Permission('deferrals:request') @ApiOperation({ summary: '申请延期拨付（说明理由和新日期），须市财政局和主管部门双方同意方生效 / request a deferral; in force only with both approvals' })
  async request(@Body() body: RequestDeferralDto, @CommandCtx() context: CommandContext) {
    if (Boolean(body.holderId) === Boolean(body.projectId)) throw new AlertRefusal('bad-deferral', '须指定 holderId 或 projectId 之一', 'name exactly one of holderId and projectId');
    const target = body.holderId ? ({ kind: 'holder', holderId: body.holderId } as const) : ({ kind: 'project', projectId: body.projectId! } as const);
    const state = await this.alerts.requestDeferral({ deferralId: body.deferralId, fundId: body.fundId, target, reason: body.reason, untilDate: body.untilDate, occurredAt: body.occurredAt }, context.actor);
    return this.alerts.deferralView(state);
  }

  @Post(':deferralId/decisions') @Permission('deferrals:approve') @ApiOperation({ summary: '同意或驳回（代表市财政局或主管部门） / approve or reject for the city finance bureau or the department' })
  async decide(@Param('deferralId') deferralId: string, @Body() body: DeferralDecisionDto, @CommandCtx() context: CommandContext) {
    const state = await this.alerts.decideDeferral(deferralId, body.decision, body.body, context.actor, body.note ?? '', body.occurredAt);
    return this.alerts.deferralView(state);
  }
}

export const ALERT_CONTROLLERS = [AlertsController, AlertPolicyController, AlertSubscriptionsController, AlertDeliveriesController, DeferralsController];

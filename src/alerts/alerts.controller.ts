/**
 * The alert API: one line per route, handing off to the alert service. The guard checks the role's permission;
 * here each object's county is checked against the caller's (alert-scope.ts): lists and the live stream are cut
 * down to it, and acting on an object outside it is refused with the policy's 403 (and logged).
 */
import { Body, Controller, Delete, Get, HttpCode, Inject, Injectable, type MessageEvent, Param, Post, Query, Req, Sse } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Observable, filter, map } from 'rxjs';
import { isBusinessDate } from '../domain';
import { type AuthenticatedRequest, CurrentIdentity, Permission } from '../auth/decorators';
import type { Identity } from '../auth/identity';
import { countyScoped } from '../auth/policy';
import { AuthService } from '../auth/auth.service';
import { CommandCtx } from '../http/request-context';
import type { CommandContext } from '../ledger/ledger';
import { AlertEngine } from './alert-engine';
import { AlertService } from './alert-service';
import { type DenialLog, alertVisible, assertScope, deferralVisible, deliveryVisible, subscriptionVisible } from './alert-scope';
import { AcknowledgeDto, CreateSubscriptionDto, DeferralDecisionDto, RequestDeferralDto, SetPolicyDto } from './alerts.dto';
import { AlertRefusal, type AlertState, type Channel, type SubscriptionState, matches } from './domain';
import { presentAlert, presentFinding, presentSubscription } from './present-alerts';

/** Records a scope denial in the security log (who, what, when), like the guard does for role denials. */
@Injectable()
export class AlertDenials {
  constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}

  for(request: AuthenticatedRequest): DenialLog {
    return ({ identity, action, reason, status }) => {
      let auth: AuthService | undefined;
      try {
        auth = this.moduleRef.get(AuthService, { strict: false });
      } catch {
        auth = undefined; // an app without the auth module (none in production)
      }
      auth?.log({ kind: 'denied', userId: identity.userId, username: identity.username, role: identity.role, ip: request.ip, method: request.method, path: request.originalUrl ?? request.url, action, status, reason });
    };
  }
}

@ApiTags('alerts 滞留预警')
@Controller('api/alerts')
export class AlertsController {
  constructor(
    @Inject(AlertService) private readonly alerts: AlertService,
    @Inject(AlertEngine) private readonly engine: AlertEngine,
    @Inject(AlertDenials) private readonly denials: AlertDenials,
  ) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '预警列表 / list alerts (fundId, county, level, severity, status=open|acknowledged|resolved)' })
  async list(@CurrentIdentity() identity: Identity | undefined, @Query('fundId') fundId?: string, @Query('county') countyCode?: string, @Query('level') level?: string, @Query('severity') severity?: string, @Query('status') status?: string, @Query('limit') limit?: string) {
    const visible = (alert: AlertState) => alertVisible(identity, alert);
    return (await this.alerts.list({ fundId, countyCode, level, severity, status, limit: limit ? Number(limit) || undefined : undefined, visible })).map(presentAlert);
  }

  @Sse('stream') @Permission('alerts:read') @ApiOperation({ summary: '实时预警流（SSE，看板用） / live alert stream for the dashboard (server-sent events)' })
  stream(@CurrentIdentity() identity: Identity | undefined, @Query('fundId') fundId?: string, @Query('county') countyCode?: string, @Query('level') level?: string, @Query('minSeverity') minSeverity?: 'warning' | 'breach' | 'critical'): Observable<MessageEvent> {
    return this.alerts.changes.pipe(
      filter((change) => alertVisible(identity, change.alert) && matches({ fundId, countyCode, level, minSeverity }, change.alert)),
      map((change) => ({ type: change.type, id: `${change.alert.alertId}:${change.alert.version}`, data: presentAlert(change.alert) as object })),
    );
  }

  @Get('as-of/:fundId') @Permission('alerts:read') @ApiOperation({ summary: '截至某日应触发的预警（审计） / the alerts a fund would have raised by a date, with their dates' })
  async asOf(@CurrentIdentity() identity: Identity | undefined, @Param('fundId') fundId: string, @Query('date') date: string) {
    if (!isBusinessDate(date)) throw new AlertRefusal('bad-policy', `日期无效：${date}（YYYY-MM-DD）`, `date must be YYYY-MM-DD: ${date}`);
    await this.alerts.catchUp();
    const findings = this.alerts.findings(fundId, date).filter((finding) => alertVisible(identity, finding));
    return { fundId, asOf: date, policy: (await this.alerts.policy(fundId, date)).current, count: findings.length, alerts: findings.map(presentFinding) };
  }

  @Post('evaluation') @HttpCode(200) @Permission('alerts:manage') @ApiOperation({ summary: '立即检查 / evaluate every fund now and send what is due' })
  async evaluate() {
    await this.engine.tick({ all: true });
    return { ok: true };
  }

  @Get(':alertId') @Permission('alerts:read') @ApiOperation({ summary: '一条预警 / one alert with its acknowledgements' })
  async get(@CurrentIdentity() identity: Identity | undefined, @Req() request: AuthenticatedRequest, @Param('alertId') alertId: string) {
    await this.alerts.catchUp();
    const alert = this.alerts.alerts.get(alertId);
    assertScope(identity, 'alerts:read', { countyCode: alert?.countyCode, found: alert !== undefined }, this.denials.for(request));
    if (!alert) throw new AlertRefusal('unknown-alert', `预警 ${alertId} 不存在`, `alert ${alertId} not found`);
    return presentAlert(alert);
  }

  @Post(':alertId/acknowledgements') @Permission('alerts:acknowledge') @ApiOperation({ summary: '确认预警（署名并说明） / acknowledge an alert, with a note' })
  async acknowledge(@CurrentIdentity() identity: Identity | undefined, @Req() request: AuthenticatedRequest, @Param('alertId') alertId: string, @Body() body: AcknowledgeDto, @CommandCtx() context: CommandContext) {
    await this.alerts.catchUp();
    const alert = this.alerts.alerts.get(alertId);
    assertScope(identity, 'alerts:acknowledge', { countyCode: alert?.countyCode, found: alert !== undefined }, this.denials.for(request));
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

  @Post() @Permission('alert-policy:set') @ApiOperation({ summary: '修改预警规则（新版本） / change the policy (a new version)' })
  set(@Param('fundId') fundId: string, @Body() body: SetPolicyDto, @CommandCtx() context: CommandContext) {
    return this.alerts.setPolicy(fundId, { ...body, limitDays: body.limitDays ? { ...body.limitDays } : undefined }, context.actor);
  }
}

@ApiTags('alerts 滞留预警')
@Controller('api/alert-subscriptions')
export class AlertSubscriptionsController {
  constructor(@Inject(AlertService) private readonly alerts: AlertService) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '订阅列表（不含密钥） / subscriptions (secrets hidden)' })
  async list(@CurrentIdentity() identity: Identity | undefined) {
    await this.alerts.catchUp();
    return [...this.alerts.subscriptions.values()].filter((subscription) => !subscription.removed && subscriptionVisible(identity, subscription)).map(presentSubscription);
  }

  @Post() @Permission('alerts:manage') @ApiOperation({ summary: '订阅预警（webhook / 企业微信 / 钉钉 / 邮件）；webhook 密钥仅在此返回一次 / subscribe; the webhook secret is shown once' })
  async create(@Body() body: CreateSubscriptionDto, @CommandCtx() context: CommandContext) {
    const subscription: SubscriptionState = await this.alerts.createSubscription({ ...body, filter: { ...body.filter }, channel: body.channel as Channel }, context.actor);
    return { ...presentSubscription(subscription), ...(subscription.channel.kind === 'webhook' ? { secret: subscription.channel.secret } : {}) };
  }

  @Delete(':subscriptionId') @HttpCode(204) @Permission('alerts:manage') @ApiOperation({ summary: '取消订阅 / unsubscribe' })
  remove(@Param('subscriptionId') subscriptionId: string, @CommandCtx() context: CommandContext) {
    return this.alerts.removeSubscription(subscriptionId, context.actor);
  }
}

@ApiTags('alerts 滞留预警')
@Controller('api/alert-deliveries')
export class AlertDeliveriesController {
  constructor(
    @Inject(AlertService) private readonly alerts: AlertService,
    @Inject(AlertEngine) private readonly engine: AlertEngine,
    @Inject(AlertDenials) private readonly denials: AlertDenials,
  ) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '投递记录：status=pending|delivered|dead（死信队列），failing=true 只看失败过的 / deliveries; dead = the dead-letter queue' })
  async list(@CurrentIdentity() identity: Identity | undefined, @Query('status') status?: string, @Query('failing') failing?: string, @Query('alertId') alertId?: string) {
    await this.alerts.catchUp();
    return [...this.alerts.deliveries.values()]
      .filter((delivery) => deliveryVisible(identity, this.alerts, delivery))
      .filter((delivery) => !status || delivery.status === status)
      .filter((delivery) => failing !== 'true' || delivery.lastError !== undefined)
      .filter((delivery) => !alertId || delivery.alertId === alertId);
  }

  @Post(':deliveryId/redelivery') @Permission('alerts:manage') @ApiOperation({ summary: '重新投递（死信或已送达） / redeliver a dead-lettered or delivered message' })
  async redeliver(@CurrentIdentity() identity: Identity | undefined, @Req() request: AuthenticatedRequest, @Param('deliveryId') deliveryId: string, @CommandCtx() context: CommandContext) {
    await this.alerts.catchUp();
    const delivery = this.alerts.deliveries.get(deliveryId);
    if (identity && countyScoped(identity)) {
      const countyCode = delivery ? this.alerts.alerts.get(delivery.alertId)?.countyCode : undefined;
      assertScope(identity, 'alerts:manage', { countyCode, found: delivery !== undefined }, this.denials.for(request));
    }
    const state = await this.alerts.redeliver(deliveryId, context.actor);
    void this.engine.tick();
    return state;
  }
}

@ApiTags('deferrals 延期拨付')
@Controller('api/deferrals')
export class DeferralsController {
  constructor(
    @Inject(AlertService) private readonly alerts: AlertService,
    @Inject(AlertDenials) private readonly denials: AlertDenials,
  ) {}

  @Get() @Permission('alerts:read') @ApiOperation({ summary: '延期拨付申请 / deferrals with their status' })
  async list(@CurrentIdentity() identity: Identity | undefined, @Query('fundId') fundId?: string) {
    await this.alerts.catchUp();
    return [...this.alerts.deferrals.values()]
      .filter((deferral) => (!fundId || deferral.fundId === fundId) && deferralVisible(identity, this.alerts, deferral)).map((deferral) => this.alerts.deferralView(deferral));
  }

  @Post() @Permission('deferrals:request') @ApiOperation({ summary: '申请延期拨付（说明理由和新日期），须市财政局和主管部门双方同意方生效 / request a deferral; in force only with both approvals' })
  async request(@CurrentIdentity() identity: Identity | undefined, @Req() request: AuthenticatedRequest, @Body() body: RequestDeferralDto, @CommandCtx() context: CommandContext) {
    if (Boolean(body.holderId) === Boolean(body.projectId)) throw new AlertRefusal('bad-deferral', '须指定 holderId 或 projectId 之一', 'name exactly one of holderId and projectId');
    const target = body.holderId ? ({ kind: 'holder', holderId: body.holderId } as const) : ({ kind: 'project', projectId: body.projectId! } as const);
    if (identity && countyScoped(identity)) {
      await this.alerts.catchUp();
      const countyCode = this.alerts.deferralCountyCode({ fundId: body.fundId, target });
      assertScope(identity, 'deferrals:request', { countyCode, found: countyCode !== undefined }, this.denials.for(request));
    }
    const state = await this.alerts.requestDeferral({ deferralId: body.deferralId, fundId: body.fundId, target, reason: body.reason, untilDate: body.untilDate, occurredAt: body.occurredAt }, context.actor);
    return this.alerts.deferralView(state);
  }

  @Post(':deferralId/decisions') @Permission('deferrals:approve') @ApiOperation({ summary: '同意或驳回（代表市财政局或主管部门） / approve or reject for the city finance bureau or the department' })
  async decide(@CurrentIdentity() identity: Identity | undefined, @Req() request: AuthenticatedRequest, @Param('deferralId') deferralId: string, @Body() body: DeferralDecisionDto, @CommandCtx() context: CommandContext) {
    await this.alerts.catchUp();
    const deferral = this.alerts.deferrals.get(deferralId);
    assertScope(identity, 'deferrals:approve', { countyCode: deferral ? this.alerts.deferralCountyCode(deferral) : undefined, found: deferral !== undefined }, this.denials.for(request));
    const state = await this.alerts.decideDeferral(deferralId, body.decision, body.body, context.actor, body.note ?? '', body.occurredAt);
    return this.alerts.deferralView(state);
  }
}

export const ALERT_CONTROLLERS = [AlertsController, AlertPolicyController, AlertSubscriptionsController, AlertDeliveriesController, DeferralsController];

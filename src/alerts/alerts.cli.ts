/**
 * `fundtrail alerts …`: delay alerts for operators and auditors, on the same store as the server.
 * The CLI has no sign-in: it acts as the operator named by --actor/--role (default: $USER as admin).
 */
import type { Command } from 'commander';
import { withRuntime, printJsonOrTable, renderTable } from '../cli/cli-runtime';
import { LEVEL_NAMES, type Level, formatWan, isBusinessDate } from '../domain';
import type { Actor } from '../event-store/event-store.port';
import { AlertEngine } from './alert-engine';
import { dispatcherLease } from './alerts.module';
import { AlertService } from './alert-service';
import { loadAlertsConfig } from './alerts-config';
import { ChannelSender } from './channels';
import { type AlertFinding, type AlertPolicy, type ApprovingBody, type Channel, SEVERITY_NAMES, type Severity, deferralStatus } from './domain';
import { presentSubscription } from './present-alerts';
import type { Runtime } from '../app/runtime';

interface ActorOptions {
  actor?: string;
  role?: string;
}

function actorOf(options: ActorOptions): Actor {
  return { id: options.actor ?? process.env.USER ?? 'cli', role: options.role ?? 'admin', unit: 'cli' };
}

async function withAlerts<T>(work: (service: AlertService, runtime: Runtime) => Promise<T>): Promise<T> {
  return withRuntime(async (runtime) => {
    const sender = new ChannelSender(loadAlertsConfig().smtp);
    try {
      const service = new AlertService(runtime.store, runtime.clock, { sender });
      await service.catchUp();
      return await work(service, runtime);
    } finally {
      sender.close();
    }
  });
}

function requireDate(value: string, name: string): string {
  if (!isBusinessDate(value)) throw new Error(`${name} must be a date YYYY-MM-DD: ${value}`);
  return value;
}

const levelName = (level: string) => LEVEL_NAMES[level as Level]?.zh ?? level;
const severityName = (severity: Severity) => SEVERITY_NAMES[severity].zh;

function findingRow(finding: AlertFinding | (AlertFinding & { status?: string })) {
  return [
    finding.crossedOn,
    severityName(finding.severity),
    finding.kind === 'payout-wait' ? `${finding.projectName}（${finding.holderName}）` : finding.holderName,
    levelName(finding.level),
    finding.countyName ?? '',
    formatWan(finding.amountFen),
    finding.since,
    `${finding.thresholdDays}/${finding.limitDays}`,
    finding.resolvedOn ?? '',
  ];
}
const FINDING_HEADERS = ['触发日 crossed', '级别 severity', '单位/项目 holder/project', '层级 level', '旗县区 county', '金额(万元)', '起算 since', '天数/时限 days', '解除 resolved'];

/** The alerts a fund would have raised by a date, as a Markdown section (docs/alerts.md is made of these). */
export function findingsMarkdown(fundId: string, asOf: string, from: string | undefined, findings: AlertFinding[], policy: AlertPolicy): string {
  const shown = findings.filter((finding) => !from || finding.crossedOn >= from);
  const count = (predicate: (finding: AlertFinding) => boolean) => shown.filter(predicate).length;
  const bySeverity = (['warning', 'breach', 'critical'] as const).map((severity) => `${SEVERITY_NAMES[severity].zh} ${severity}: ${count((finding) => finding.severity === severity)}`).join(' · ');
  const byKind = `资金滞留 dwell: ${count((finding) => finding.kind === 'dwell')} · 项目待兑现 payout wait: ${count((finding) => finding.kind === 'payout-wait')}`;
  const levels = [...new Set(shown.map((finding) => finding.level))].map((level) => `${levelName(level)} ${count((finding) => finding.level === level)}`).join(' · ');
  const open = count((finding) => !finding.resolvedOn);
  const lines = [
    `Fund \`${fundId}\`, alerts crossed ${from ? `from ${from} ` : ''}up to ${asOf} (policy v${policy.version}: ${Object.entries(policy.limitDays).map(([level, days]) => `${levelName(level)} ${days}天`).join('、')}，项目兑现 ${policy.projectPayoutWaitDays}天，预警 ${Math.round(policy.warningFraction * 100)}%，升级 ×${policy.escalationMultiple}).`,
    '',
    `- ${shown.length} alerts: ${bySeverity}`,
    `- ${byKind}`,
    `- by level: ${levels || '—'}`,
    `- still open on ${asOf}: ${open}; resolved (the money moved on) by then: ${shown.length - open}`,
    '',
    `| ${FINDING_HEADERS.join(' | ')} |`,
    `| ${FINDING_HEADERS.map((_, index) => (index === 5 || index === 7 ? '---:' : '---')).join(' | ')} |`,
    ...shown.map((finding) => `| ${findingRow(finding).map((cell) => String(cell).replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('资金滞留预警 / delay alerts, deferrals, subscriptions, deliveries');

  alerts
    .command('list')
    .description('预警列表 / list recorded alerts')
    .option('--fund <fundId>')
    .option('--county <code>')
    .option('--level <level>')
    .option('--severity <severity>', 'warning | breach | critical')
    .option('--status <status>', 'open | acknowledged | resolved')
    .option('--json', 'JSON for scripts')
    .action((options: { fund?: string; county?: string; level?: string; severity?: string; status?: string; json?: boolean }) =>
      withAlerts(async (service) => {
        const list = await service.list({ fundId: options.fund, countyCode: options.county, level: options.level, severity: options.severity, status: options.status });
        printJsonOrTable(Boolean(options.json), list, () =>
          renderTable(['alert', '状态 status', ...FINDING_HEADERS], list.map((alert) => [alert.alertId.slice(0, 8), alert.status, ...findingRow(alert)])),
        );
      }),
    );

  alerts
    .command('as-of <fundId> <date>')
    .description('截至某日应触发的预警及其日期（审计用，不写入） / the alerts a fund would have raised by a date (read-only)')
    .option('--from <date>', 'only alerts crossed on or after this date')
    .option('--json', 'JSON for scripts')
    .option('--markdown', 'a Markdown section (docs/alerts.md)')
    .action((fundId: string, date: string, options: { from?: string; json?: boolean; markdown?: boolean }) =>
      withAlerts(async (service) => {
        requireDate(date, 'date');
        if (options.from) requireDate(options.from, '--from');
        const findings = service.findings(fundId, date);
        const { current } = await service.policy(fundId, date);
        if (options.markdown) {
          process.stdout.write(`${findingsMarkdown(fundId, date, options.from, findings, current)}\n`);
          return;
        }
        const shown = findings.filter((finding) => !options.from || finding.crossedOn >= options.from!);
        printJsonOrTable(Boolean(options.json), shown, () => `${renderTable(FINDING_HEADERS, shown.map(findingRow))}\n${shown.length} alerts`);
      }),
    );

  alerts
    .command('evaluate')
    .description('立即检查并发送到期的通知 / evaluate every fund now, record the alerts, send what is due')
    .action(() =>
      withAlerts(async (service, runtime) => {
        // a server may be sending right now: send only if this command gets the dispatcher lease (else the server sends)
        const dispatcher = dispatcherLease(runtime);
        const engine = new AlertEngine(service, { intervalMs: 60_000, lease: dispatcher.lease, leaseName: dispatcher.name });
        const before = service.alerts.size;
        try {
          await engine.start();
          await engine.stop();
        } finally {
          await dispatcher.close();
        }
        const deliveries = [...service.deliveries.values()];
        process.stdout.write(`${service.alerts.size - before} new alerts; deliveries: ${deliveries.filter((d) => d.status === 'delivered').length} delivered, ${deliveries.filter((d) => d.status === 'pending').length} pending, ${deliveries.filter((d) => d.status === 'dead').length} dead\n`);
      }),
    );

  alerts
    .command('ack <alertId>')
    .description('确认预警 / acknowledge an alert')
    .requiredOption('--note <note>', '处理说明 / what is being done')
    .option('--actor <id>')
    .option('--role <role>')
    .action((alertId: string, options: ActorOptions & { note: string }) =>
      withAlerts(async (service) => {
        const alert = await service.acknowledge(alertId, actorOf(options), options.note);
        process.stdout.write(`${alert.alertId} ${alert.status}\n`);
      }),
    );

  alerts
    .command('policy <fundId>')
    .description('查看或修改预警规则 / show the policy, or set a new version with options')
    .option('--city-finance <days>')
    .option('--county-finance <days>')
    .option('--department <days>')
    .option('--park <days>')
    .option('--payout-wait <days>')
    .option('--warning <fraction>', 'e.g. 0.8')
    .option('--escalation <multiple>', 'e.g. 2')
    .option('--effective-from <date>')
    .option('--actor <id>')
    .option('--role <role>')
    .action((fundId: string, options: ActorOptions & Record<string, string | undefined>) =>
      withAlerts(async (service) => {
        const int = (value?: string) => (value === undefined ? undefined : Number(value));
        const limitDays = { 'city-finance': int(options.cityFinance), 'county-finance': int(options.countyFinance), department: int(options.department), park: int(options.park) };
        const changes = Object.values(limitDays).some((value) => value !== undefined) || options.payoutWait || options.warning || options.escalation;
        if (changes) {
          const set = await service.setPolicy(
            fundId,
            { limitDays, projectPayoutWaitDays: int(options.payoutWait), warningFraction: int(options.warning), escalationMultiple: int(options.escalation), effectiveFrom: requireDate(options.effectiveFrom ?? service.today(), '--effective-from') },
            actorOf(options),
          );
          process.stdout.write(`${JSON.stringify(set, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${JSON.stringify(await service.policy(fundId), null, 2)}\n`);
      }),
    );

  alerts
    .command('subscriptions')
    .description('订阅列表 / subscriptions (secrets hidden)')
    .option('--json')
    .action((options: { json?: boolean }) =>
      withAlerts(async (service) => {
        const list = [...service.subscriptions.values()].filter((subscription) => !subscription.removed).map(presentSubscription);
        printJsonOrTable(Boolean(options.json), list, () =>
          renderTable(['id', 'supervisor', 'channel', 'filter'], list.map((s) => [String(s.subscriptionId), String(s.supervisorName), JSON.stringify(s.channel), JSON.stringify(s.filter)])),
        );
      }),
    );

  alerts
    .command('subscribe')
    .description('订阅预警 / subscribe a supervisor on one channel')
    .requiredOption('--name <supervisor>')
    .option('--supervisor-id <id>')
    .option('--webhook <url>')
    .option('--wecom <url>')
    .option('--dingtalk <url>')
    .option('--email <address>')
    .option('--secret <secret>', 'webhook HMAC secret, or the DingTalk robot secret')
    .option('--fund <fundId>')
    .option('--county <code>')
    .option('--level <level>')
    .option('--min-severity <severity>')
    .option('--actor <id>')
    .option('--role <role>')
    .action((options: ActorOptions & Record<string, string | undefined>) =>
      withAlerts(async (service) => {
        const channel: Channel | undefined = options.webhook
          ? ({ kind: 'webhook', url: options.webhook, secret: options.secret ?? '' } as Channel)
          : options.wecom
            ? { kind: 'wecom', url: options.wecom }
            : options.dingtalk
              ? { kind: 'dingtalk', url: options.dingtalk, ...(options.secret ? { secret: options.secret } : {}) }
              : options.email
                ? { kind: 'email', to: options.email }
                : undefined;
        if (!channel) throw new Error('one of --webhook, --wecom, --dingtalk, --email is required');
        const filter = { fundId: options.fund, countyCode: options.county, level: options.level, minSeverity: options.minSeverity as Severity | undefined };
        const subscription = await service.createSubscription({ supervisorId: options.supervisorId, supervisorName: options.name!, filter, channel }, actorOf(options));
        process.stdout.write(`${subscription.subscriptionId}${subscription.channel.kind === 'webhook' ? `\nsecret (shown once): ${subscription.channel.secret}` : ''}\n`);
      }),
    );

  alerts
    .command('unsubscribe <subscriptionId>')
    .option('--actor <id>')
    .option('--role <role>')
    .action((subscriptionId: string, options: ActorOptions) => withAlerts((service) => service.removeSubscription(subscriptionId, actorOf(options))));

  alerts
    .command('deliveries')
    .description('投递记录与死信队列 / deliveries; --status dead is the dead-letter queue')
    .option('--status <status>', 'pending | delivered | dead')
    .option('--json')
    .action((options: { status?: string; json?: boolean }) =>
      withAlerts(async (service) => {
        const list = [...service.deliveries.values()].filter((delivery) => !options.status || delivery.status === options.status);
        printJsonOrTable(Boolean(options.json), list, () =>
          renderTable(['delivery', 'alert', 'channel', 'status', 'attempts', 'last error'], list.map((d) => [d.deliveryId, d.alertId.slice(0, 8), d.channelKind, d.status, d.attemptsTotal, d.lastError ?? ''])),
        );
      }),
    );

  alerts
    .command('redeliver <deliveryId>')
    .option('--actor <id>')
    .option('--role <role>')
    .action((deliveryId: string, options: ActorOptions) =>
      withAlerts(async (service) => {
        const state = await service.redeliver(deliveryId, actorOf(options));
        process.stdout.write(`${state.deliveryId} ${state.status} (sent on the next check: fundtrail alerts evaluate, or the server)\n`);
      }),
    );

  alerts
    .command('defer <fundId>')
    .description('申请延期拨付 / request a deferral (in force only when city finance and the department both approve)')
    .option('--holder <holderId>')
    .option('--project <projectId>')
    .requiredOption('--reason <reason>')
    .requiredOption('--until <date>', '延期至 / the new date')
    .option('--date <date>', 'business date of the request (default today)')
    .option('--id <deferralId>')
    .option('--actor <id>')
    .option('--role <role>')
    .action((fundId: string, options: ActorOptions & { holder?: string; project?: string; reason: string; until: string; date?: string; id?: string }) =>
      withAlerts(async (service) => {
        if (Boolean(options.holder) === Boolean(options.project)) throw new Error('name exactly one of --holder and --project');
        const target = options.holder ? ({ kind: 'holder', holderId: options.holder } as const) : ({ kind: 'project', projectId: options.project! } as const);
        const state = await service.requestDeferral({ deferralId: options.id, fundId, target, reason: options.reason, untilDate: requireDate(options.until, '--until'), occurredAt: options.date }, actorOf(options));
        process.stdout.write(`${state.deferralId} ${deferralStatus(state, service.today())}\n`);
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    alerts
      .command(`${decision} <deferralId>`)
      .description(decision === 'approve' ? '同意延期（代表一方） / approve a deferral for one body' : '驳回延期 / reject a deferral')
      .requiredOption('--body <body>', 'city-finance | department')
      .option('--note <note>')
      .option('--date <date>')
      .option('--actor <id>')
      .option('--role <role>')
      .action((deferralId: string, options: ActorOptions & { body: ApprovingBody; note?: string; date?: string }) =>
        withAlerts(async (service) => {
          const state = await service.decideDeferral(deferralId, decision, options.body, actorOf(options), options.note ?? '', options.date);
          process.stdout.write(`${state.deferralId} ${deferralStatus(state, options.date ?? service.today())}\n`);
        }),
      );
  }

  alerts
    .command('deferrals')
    .option('--fund <fundId>')
    .option('--json')
    .action((options: { fund?: string; json?: boolean }) =>
      withAlerts(async (service) => {
        const list = [...service.deferrals.values()].filter((deferral) => !options.fund || deferral.fundId === options.fund).map((deferral) => service.deferralView(deferral));
        printJsonOrTable(Boolean(options.json), list, () =>
          renderTable(['deferral', 'fund', 'target', 'until', 'status', 'approvals'], list.map((d) => [d.deferralId, d.fundId, JSON.stringify(d.target), d.untilDate, d.status, Object.keys(d.approvals).join(', ')])),
        );
      }),
    );
}

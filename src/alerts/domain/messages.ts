/** What an alert says, in Chinese first and English after, as plain text and as group-robot markdown. */
import { formatDateZh } from '../../domain/dates';
import { LEVEL_NAMES, type Level } from '../../domain/holders';
import { formatWan } from '../../domain/money';
import type { AlertFacts } from './alert-lifecycle';
import { SEVERITY_NAMES } from './policy';

export function alertTitle(alert: AlertFacts): string {
  const severity = SEVERITY_NAMES[alert.severity];
  const what = alert.kind === 'payout-wait' ? '项目待兑现' : '资金滞留';
  return `【${severity.zh}】${what}：${alert.holderName} ${formatWan(alert.amountFen)}万元`;
}

export function alertLines(alert: AlertFacts): { zh: string[]; en: string[] } {
  const level = LEVEL_NAMES[alert.level as Level] ?? { zh: alert.level, en: alert.level };
  const severity = SEVERITY_NAMES[alert.severity];
  const where = `${alert.countyName ? `${alert.countyName} · ` : ''}${alert.holderName}（${level.zh}）`;
  const zh =
    alert.kind === 'payout-wait'
      ? [
          `项目「${alert.projectName}」自 ${formatDateZh(alert.since)} 登记，${formatWan(alert.amountFen)} 万元奖补资金尚未兑现至企业 ${alert.holderName}`,
          `已满 ${alert.thresholdDays} 天（时限 ${alert.limitDays} 天）：${formatDateZh(alert.crossedOn)} ${severity.zh}`,
        ]
      : [
          `${formatWan(alert.amountFen)} 万元自 ${formatDateZh(alert.since)} 起滞留于 ${where}`,
          `已满 ${alert.thresholdDays} 天（时限 ${alert.limitDays} 天）：${formatDateZh(alert.crossedOn)} ${severity.zh}`,
        ];
  if (alert.pausedDays > 0) zh.push(`其中 ${alert.pausedDays} 天处于经批准的延期拨付期内，不计时`);
  const en =
    alert.kind === 'payout-wait'
      ? [`project "${alert.projectName}" registered ${alert.since}: ${formatWan(alert.amountFen)}万 not yet paid to ${alert.holderName}; ${alert.thresholdDays} days (limit ${alert.limitDays}) on ${alert.crossedOn}: ${severity.en}`]
      : [`${formatWan(alert.amountFen)}万 yuan has sat at ${alert.holderName} (${level.en}) since ${alert.since}; ${alert.thresholdDays} days (limit ${alert.limitDays}) on ${alert.crossedOn}: ${severity.en}`];
  return { zh, en };
}

/** Markdown for the WeCom and DingTalk group robots (both render headings, bold and quotes). */
export function alertMarkdown(alert: AlertFacts): string {
  const lines = alertLines(alert);
  return [
    `### ${alertTitle(alert)}`,
    ...lines.zh.map((line) => `> ${line}`),
    '',
    `资金 fund: ${alert.fundId} · 预警编号 alert: ${alert.alertId} · 规则版本 policy v${alert.policyVersion}`,
    '',
    lines.en.join(' '),
  ].join('\n');
}

export function alertPlainText(alert: AlertFacts): string {
  const lines = alertLines(alert);
  return [alertTitle(alert), '', ...lines.zh, '', ...lines.en, '', `fund ${alert.fundId} · alert ${alert.alertId} · policy v${alert.policyVersion}`].join('\n');
}

/** Alerts leave the service with amounts in 元 (present) and names of level and severity in both languages. */
import { LEVEL_NAMES, type Level } from '../domain';
import { present } from '../shared/present';
import { type AlertFinding, type AlertState, SEVERITY_NAMES, type SubscriptionState } from './domain';

export function presentFinding(finding: AlertFinding | AlertState): unknown {
  return present({ ...finding, severityName: SEVERITY_NAMES[finding.severity], levelName: LEVEL_NAMES[finding.level as Level] ?? { zh: finding.level, en: finding.level } });
}

export function presentAlert(alert: AlertState): unknown {
  return presentFinding(alert);
}

/** Without the secret: it is shown once, when the subscription is made. */
export function presentSubscription(subscription: SubscriptionState): Record<string, unknown> {
  const channel = subscription.channel;
  const shown =
    channel.kind === 'email' ? { kind: channel.kind, to: channel.to } : { kind: channel.kind, url: maskUrl(channel.url), ...('secret' in channel && channel.secret ? { secret: '***' } : {}) };
  return { ...subscription, channel: shown };
}

/** Robot URLs carry their key in the query: show only its first characters. */
function maskUrl(url: string): string {
  return url.replace(/([?&](?:key|access_token)=)([^&]{0,4})[^&]*/g, '$1$2***');
}

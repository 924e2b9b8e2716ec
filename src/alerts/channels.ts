/**
 * The channels an alert is sent through: signed JSON webhooks, the WeCom (企业微信) and DingTalk (钉钉) group
 * robots, and e-mail over SMTP. Each send returns an outcome instead of throwing, so the dispatcher records it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { AlertFacts } from './domain/alert-lifecycle';
import type { Channel } from './domain/delivery';
import { alertMarkdown, alertPlainText, alertTitle } from './domain/messages';
import { present } from '../shared/present';

export type SendOutcome = { ok: true; detail: string } | { ok: false; error: string };

export interface AlertSender {
  send(channel: Channel, message: { deliveryId: string; alert: AlertFacts; now: Date }): Promise<SendOutcome>;
}

export const SIGNATURE_HEADER = 'x-fundtrail-signature';
export const TIMESTAMP_HEADER = 'x-fundtrail-timestamp';
export const DELIVERY_HEADER = 'x-fundtrail-delivery';
/** A receiver refuses a signed request older (or newer) than this: a replayed request is stale. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const SEND_TIMEOUT_MS = 10_000;

/** `sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<body>")>`: the timestamp is signed too, so it cannot be altered. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** What a receiver does: right signature, and a timestamp within the tolerance of its own clock. */
export function verifyWebhook(secret: string, headers: { timestamp?: string; signature?: string }, body: string, now: Date, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || !headers.signature) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** DingTalk's "加签": timestamp in ms and sign = base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")), URL-encoded. */
export function dingTalkSignedUrl(url: string, secret: string, now: Date): string {
  const timestamp = now.getTime();
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return `${url}${url.includes('?') ? '&' : '?'}timestamp=${timestamp}&sign=${encodeURIComponent(sign)}`;
}

export function webhookBody(deliveryId: string, alert: AlertFacts): string {
  return JSON.stringify({ deliveryId, event: alert.threshold === 'escalation' ? 'alert.escalated' : 'alert.raised', alert: present(alert), text: alertPlainText(alert) });
}

export function weComBody(alert: AlertFacts): string {
  // WeCom limits markdown content to 4096 bytes
  return JSON.stringify({ msgtype: 'markdown', markdown: { content: truncateBytes(alertMarkdown(alert), 4_000) } });
}

export function dingTalkBody(alert: AlertFacts): string {
  return JSON.stringify({ msgtype: 'markdown', markdown: { title: alertTitle(alert), text: alertMarkdown(alert) } });
}

function truncateBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let result = text;
  while (Buffer.byteLength(result) > bytes - 3) result = result.slice(0, -1);
  return `${result}…`;
}

export interface SmtpSettings {
  url: string;
  from: string;
}

export class ChannelSender implements AlertSender {
  private transporter?: Transporter;

  constructor(private readonly smtp?: SmtpSettings) {}

  async send(channel: Channel, message: { deliveryId: string; alert: AlertFacts; now: Date }): Promise<SendOutcome> {
    try {
      switch (channel.kind) {
        case 'webhook': {
          const body = webhookBody(message.deliveryId, message.alert);
          const timestamp = Math.floor(message.now.getTime() / 1000);
          return await post(channel.url, body, {
            [DELIVERY_HEADER]: message.deliveryId,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(channel.secret, timestamp, body),
          }, false);
        }
        case 'wecom':
          return await post(channel.url, weComBody(message.alert), {}, true);
        case 'dingtalk':
          return await post(channel.secret ? dingTalkSignedUrl(channel.url, channel.secret, message.now) : channel.url, dingTalkBody(message.alert), {}, true);
        case 'email':
          return await this.mail(channel.to, message);
      }
    } catch (error) {
      return { ok: false, error: (error as Error).message ?? String(error) };
    }
  }

  private async mail(to: string, message: { deliveryId: string; alert: AlertFacts }): Promise<SendOutcome> {
    if (!this.smtp) return { ok: false, error: 'SMTP is not configured (FUNDTRAIL_SMTP_URL)' };
    if (!this.transporter) {
      const nodemailer = await import('nodemailer');
      this.transporter = nodemailer.createTransport(this.smtp.url);
    }
    const info = await this.transporter.sendMail({
      from: this.smtp.from,
      to,
      subject: alertTitle(message.alert),
      text: alertPlainText(message.alert),
      headers: { 'X-Fundtrail-Delivery': message.deliveryId },
    });
    return { ok: true, detail: `smtp ${String(info.response ?? info.messageId)}` };
  }

  close(): void {
    this.transporter?.close();
  }
}

/** Robots answer 200 with {"errcode":0} on success and 200 with another errcode on failure. */
async function post(url: string, body: string, headers: Record<string, string>, robot: boolean): Promise<SendOutcome> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body,
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    redirect: 'error',
  });
  const text = (await response.text()).slice(0, 300);
  if (!response.ok) return { ok: false, error: `HTTP ${response.status} ${text}` };
  if (robot) {
    try {
      const answer = JSON.parse(text) as { errcode?: number; errmsg?: string };
      if (answer.errcode !== undefined && answer.errcode !== 0) return { ok: false, error: `errcode ${answer.errcode} ${answer.errmsg ?? ''}` };
    } catch {
      return { ok: false, error: `not a robot answer: ${text}` };
    }
  }
  return { ok: true, detail: `HTTP ${response.status}` };
}

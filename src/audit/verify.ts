/**
 * Tamper evidence (防篡改校验).
 *
 * Each event's hash covers its stream's previous hash and its own content (hash-chain.ts), so an edited,
 * deleted or reordered event breaks its stream's chain at a named event. What a chain cannot show is a
 * stream cut short at its end, or two streams' events swapped in the global order: the digest covers those.
 *
 * The digest is a running hash over the events in global order, `d_n = sha256(d_{n-1} "\n" position ":" hash)` (the hash
 * recomputed from the event's content and its link),
 * written with the scope, the position it covers and how many events: `ft1:<scope>:<position>:<count>:<hex>`.
 * An auditor files it in a report. Later, `verify --digest` recomputes the running hash over the events up to
 * that position: equal means every event up to there is still there, unchanged, in the same order (each
 * event's own hash covers its content); the events after it are the growth since, and their chains must
 * continue from the filed history. Scope `all` covers the whole log; `fund=<fundId>` one fund's stream.
 */
import { createHash } from 'node:crypto';
import { fundStreamId } from '../domain';
import { eventHash } from '../event-store/hash-chain';
import type { RecordedEvent } from '../event-store/event-store.port';

export const DIGEST_VERSION = 'ft1';
const GENESIS = '';

export interface Digest {
  scope: string;
  position: number;
  count: number;
  hash: string;
}

export function formatDigest(digest: Digest): string {
  return `${DIGEST_VERSION}:${digest.scope}:${digest.position}:${digest.count}:${digest.hash}`;
}

export class DigestFormatError extends Error {
  constructor(text: string) {
    super(`不是有效的摘要 / not a Fundtrail digest: "${text.slice(0, 120)}" (expected ${DIGEST_VERSION}:<scope>:<position>:<count>:<sha256 hex>)`);
    this.name = 'DigestFormatError';
  }
}

/** Read from the right: a fund id may itself contain ':'. */
export function parseDigest(text: string): Digest {
  const trimmed = text.trim();
  const parts = trimmed.split(':');
  if (parts.length < 5 || parts[0] !== DIGEST_VERSION) throw new DigestFormatError(trimmed);
  const hash = parts[parts.length - 1];
  const count = Number(parts[parts.length - 2]);
  const position = Number(parts[parts.length - 3]);
  const scope = parts.slice(1, parts.length - 3).join(':');
  if (!/^[0-9a-f]{64}$/.test(hash) || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(position) || position < 0) throw new DigestFormatError(trimmed);
  if (scope !== 'all' && !scope.startsWith('fund=')) throw new DigestFormatError(trimmed);
  return { scope, position, count, hash };
}

export const scopeOfFund = (fundId?: string): string => (fundId ? `fund=${fundId}` : 'all');

/** The running hash, fed event by event in global order. */
export class RunningDigest {
  private hash = GENESIS;
  position = 0;
  count = 0;
  constructor(readonly scope: string) {}

  add(event: Pick<RecordedEvent, 'position' | 'hash'>): void {
    this.hash = createHash('sha256').update(this.hash).update('\n').update(`${event.position}:${event.hash}`).digest('hex');
    this.position = event.position;
    this.count++;
  }

  value(): Digest {
    return { scope: this.scope, position: this.position, count: this.count, hash: this.hash || createHash('sha256').update('').digest('hex') };
  }
}

export interface Break {
  position: number;
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  occurredAt?: string;
  problem: 'content-changed' | 'link-broken' | 'missing-before' | 'out-of-order' | 'position-order';
  message_zh: string;
  message_en: string;
}

export interface VerifyReport {
  ok: boolean;
  scope: string;
  events: number;
  streams: number;
  headPosition: number;
  digest: string;
  /** The first break in global order (the first bad event), and up to BREAKS_MAX in all. */
  firstBreak?: Break;
  breaks: Break[];
  /** Set when a filed digest was checked. */
  against?: {
    digest: string;
    ok: boolean;
    /** Events after the digest's position: the growth since it was filed. */
    grownBy: number;
    message_zh: string;
    message_en: string;
  };
}

export const BREAKS_MAX = 100;

/**
 * Checks events fed in global order: each stream's chain (versions without gaps and in order, links,
 * content hashes) and strictly increasing positions; keeps the running digest of the scope.
 */
export class LogVerifier {
  private readonly heads = new Map<string, { version: number; hash: string }>();
  private readonly digest: RunningDigest;
  private readonly filed?: Digest;
  private filedDigestAt?: Digest;
  private lastPosition = 0;
  private streamFilter?: string;
  readonly breaks: Break[] = [];
  events = 0;

  constructor(options: { fundId?: string; against?: Digest } = {}) {
    this.streamFilter = options.fundId ? fundStreamId(options.fundId) : undefined;
    this.digest = new RunningDigest(scopeOfFund(options.fundId));
    this.filed = options.against;
    if (this.filed && this.filed.position === 0) this.filedDigestAt = new RunningDigest(this.digest.scope).value();
  }

  visit(event: RecordedEvent): void {
    if (this.streamFilter && event.streamId !== this.streamFilter) return;
    this.events++;
    if (event.position <= this.lastPosition) {
      this.report(event, 'position-order', `全局位置 ${event.position} 不大于前一事件的位置 ${this.lastPosition}`, `position ${event.position} does not follow ${this.lastPosition}`);
    }
    this.lastPosition = Math.max(this.lastPosition, event.position);
    const head = this.heads.get(event.streamId) ?? { version: -1, hash: '' };
    const expected = head.version + 1;
    if (event.version < expected) {
      this.report(event, 'out-of-order', `版本 ${event.version} 出现在版本 ${head.version} 之后：事件顺序被调换`, `version ${event.version} comes after version ${head.version}: events were reordered`);
    } else if (event.version > expected) {
      this.report(
        event,
        'missing-before',
        `版本 ${event.version} 之前缺少版本 ${expected}${event.version - 1 > expected ? `–${event.version - 1}` : ''}：事件被删除或移动`,
        `version${event.version - 1 > expected ? 's' : ''} ${expected}${event.version - 1 > expected ? `–${event.version - 1}` : ''} missing before version ${event.version}: events were deleted or moved`,
      );
    } else if (event.prevHash !== head.hash) {
      this.report(event, 'link-broken', '与前一事件的哈希链接不符', 'its link does not match the previous event’s hash');
    }
    // the digest takes the hash recomputed from the content, not the stored one: an edited row whose hash column
    // was left alone (or rewritten) still changes the digest
    const recomputed = eventHash(event.prevHash, event.streamId, event.version, event);
    if (recomputed !== event.hash) {
      this.report(event, 'content-changed', '内容与其哈希不符：事件被修改', 'its content does not match its hash: the event was altered');
    }
    if (event.version >= expected) this.heads.set(event.streamId, { version: event.version, hash: event.hash });
    this.digest.add({ position: event.position, hash: recomputed });
    if (this.filed && event.position <= this.filed.position) this.filedDigestAt = this.digest.value();
  }

  private report(event: RecordedEvent, problem: Break['problem'], message_zh: string, message_en: string): void {
    if (this.breaks.length >= BREAKS_MAX) return;
    this.breaks.push({
      position: event.position,
      streamId: event.streamId,
      version: event.version,
      eventId: event.eventId,
      type: event.type,
      occurredAt: event.metadata?.occurredAt,
      problem,
      message_zh,
      message_en,
    });
  }

  finish(headPosition: number): VerifyReport {
    const digest = this.digest.value();
    const report: VerifyReport = {
      ok: this.breaks.length === 0,
      scope: digest.scope,
      events: this.events,
      streams: this.heads.size,
      headPosition,
      digest: formatDigest(digest),
      ...(this.breaks.length ? { firstBreak: this.breaks[0] } : {}),
      breaks: this.breaks,
    };
    if (this.filed) {
      report.against = this.compare(this.filed, this.filedDigestAt, digest);
      if (!report.against.ok) report.ok = false;
    }
    return report;
  }

  private compare(filed: Digest, atFiled: Digest | undefined, now: Digest): NonNullable<VerifyReport['against']> {
    const digest = formatDigest(filed);
    if (filed.scope !== now.scope) {
      return { digest, ok: false, grownBy: 0, message_zh: `摘要的范围是 ${filed.scope}，本次校验的范围是 ${now.scope}`, message_en: `the digest covers ${filed.scope}, this check covers ${now.scope}` };
    }
    const same = atFiled !== undefined && atFiled.count === filed.count && atFiled.hash === filed.hash && atFiled.position === filed.position;
    const grownBy = now.count - (atFiled?.count ?? 0);
    if (same) {
      return {
        digest,
        ok: true,
        grownBy,
        message_zh: `截至位置 ${filed.position} 的 ${filed.count} 个事件未被改动；此后新增 ${grownBy} 个事件`,
        message_en: `the ${filed.count} events up to position ${filed.position} are unchanged; ${grownBy} events were added since`,
      };
    }
    const counted = atFiled?.count ?? 0;
    const reason_zh = counted !== filed.count ? `截至位置 ${filed.position} 现有 ${counted} 个事件，摘要记录的是 ${filed.count} 个` : `截至位置 ${filed.position} 的事件内容或顺序与摘要不符`;
    const reason_en = counted !== filed.count ? `there are now ${counted} events up to position ${filed.position}, the digest recorded ${filed.count}` : `the events up to position ${filed.position} differ in content or order from the digest`;
    return { digest, ok: false, grownBy, message_zh: `历史已被改动：${reason_zh}`, message_en: `the history was altered: ${reason_en}` };
  }
}

/** Verifies events already in memory (global order). */
export function verifyEvents(events: readonly RecordedEvent[], options: { fundId?: string; against?: Digest } = {}): VerifyReport {
  const verifier = new LogVerifier(options);
  for (const event of events) verifier.visit(event);
  return verifier.finish(events.length ? events[events.length - 1].position : 0);
}

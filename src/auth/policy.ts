/**
 * The policy: identity × action × resource → allow, or deny with a reason in Chinese and English.
 * Pure functions, no framework and no I/O, so that every feature (alerts, deferrals, disclosure) asks
 * the same question the same way. The resource is what the request touches, looked up beforehand
 * (the guard does it for HTTP); an unknown resource is outside every scope.
 */
import type { Identity } from './identity';
import { type Action, COUNTY_ROLES, PUBLIC_ACTIONS, ROLE_NAMES, ROLE_PERMISSIONS } from './roles';

/** A holder as the policy sees it. `undefined` in a resource means "named, but not found". */
export interface HolderRef {
  holderId: string;
  countyCode?: string;
}

export interface Resource {
  /** Holders money leaves from (transfers, payouts, returns). */
  fromHolders?: Array<HolderRef | undefined>;
  /** The holder that confirms a receipt. */
  toHolder?: HolderRef;
  /** The county of the project or alert or deferral concerned. */
  countyCode?: string;
  /** The enterprise of the project concerned. */
  enterpriseHolderId?: string;
  /** For resources that must be named: false when the request named something that does not exist. */
  found?: boolean;
}

export type Decision =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; code: 'unauthenticated' | 'forbidden' | 'out-of-scope'; reason_zh: string; reason_en: string };

const ALLOW: Decision = { allowed: true };

export function deny(code: 'unauthenticated' | 'forbidden' | 'out-of-scope', reason_zh: string, reason_en: string): Decision {
  return { allowed: false, status: code === 'unauthenticated' ? 401 : 403, code, reason_zh, reason_en };
}

export const UNAUTHENTICATED = deny('unauthenticated', '未登录或令牌无效、已过期、已撤销，请先登录', 'not signed in, or the token is invalid, expired or revoked; sign in first');

/** Whether the identity is limited to one county (county staff, county supervisors). */
export function countyScoped(identity: Identity): boolean {
  return COUNTY_ROLES.has(identity.role) || (identity.role === 'supervisor' && Boolean(identity.countyCode));
}

/**
 * Without a resource this is the role check only (what a route guard can know before the feature looks
 * its object up); with one, the scope is checked too. Features pass the resource: e.g. an alert's county
 * to `authorize(identity, 'deferrals:approve', { countyCode })`.
 */
export function authorize(identity: Identity | undefined, action: Action, resource?: Resource): Decision {
  if (PUBLIC_ACTIONS.has(action)) return ALLOW;
  if (!identity) return UNAUTHENTICATED;
  const role = ROLE_NAMES[identity.role];
  if (!ROLE_PERMISSIONS[identity.role].has(action)) {
    return deny('forbidden', `角色“${role.zh}”无权执行 ${action}`, `the role ${identity.role} (${role.en}) may not ${action}`);
  }
  return scopeDecision(identity, action, resource);
}

function scopeDecision(identity: Identity, action: Action, resource: Resource | undefined): Decision {
  if (identity.role === 'project-owner') return resource ? ownerScope(identity, action, resource) : ALLOW;
  if (!countyScoped(identity)) return ALLOW;
  const county = identity.countyCode ?? '';
  if (action === 'funds:events:read') {
    return outOfScope('原始事件日志包含其他旗县区，仅限市级用户、审计和管理员', 'the raw event log spans every county: city-level users, auditors and administrators only');
  }
  if (!resource) return ALLOW;
  switch (action) {
    case 'money:transfer':
    case 'money:payout':
    case 'money:return': {
      const holders = resource.fromHolders ?? [];
      if (holders.length === 0) return outOfScope('付款单位未指明', 'no paying holder named');
      for (const holder of holders) {
        if (!holderInUnit(identity, holder)) {
          const name = holder?.holderId ?? '?';
          return outOfScope(`只能从本单位（${identity.unitHolderId ?? county}）付出资金，不能从 ${name} 付出`, `you may move money only from your own unit (${identity.unitHolderId ?? county}), not from ${name}`);
        }
      }
      return ALLOW;
    }
    case 'money:receive':
      return holderInUnit(identity, resource.toHolder)
        ? ALLOW
        : outOfScope('只能确认本单位收到的拨款', 'you may confirm receipt only of transfers to your own unit');
    case 'projects:register':
    case 'projects:report-progress':
    case 'projects:close':
    case 'alerts:read':
    case 'alerts:acknowledge':
    case 'alerts:manage':
    case 'deferrals:request':
    case 'deferrals:approve':
      if (resource.found === false || resource.countyCode === undefined) return outOfScope('所涉对象不存在或不在本旗县区', 'the resource does not exist or is not in your county');
      return resource.countyCode === county ? ALLOW : outOfScope(`只能处理本旗县区（${county}）的事务`, `you may act only within your county (${county})`);
    default:
      // reads: allowed, and the answer is cut down to the county (scopeResult)
      return ALLOW;
  }
}

function ownerScope(identity: Identity, action: Action, resource: Resource): Decision {
  if (action !== 'projects:report-progress') return ALLOW; // the other owner actions are reads, filtered by scopeResult
  if (resource.found !== false && resource.enterpriseHolderId !== undefined && resource.enterpriseHolderId === identity.unitHolderId) return ALLOW;
  return outOfScope('只能报告本企业自己的项目', 'you may report only on your own enterprise’s projects');
}

/** County staff act for their unit: a holder of their county, and their own unit when one is set. */
export function holderInUnit(identity: Identity, holder: HolderRef | undefined): boolean {
  if (!holder || !identity.countyCode || holder.countyCode !== identity.countyCode) return false;
  return !identity.unitHolderId || holder.holderId === identity.unitHolderId;
}

function outOfScope(zh: string, en: string): Decision {
  return deny('out-of-scope', `超出权限范围：${zh}`, `outside your scope: ${en}`);
}

// ------------------------------------------------------------------------------------------------
// what a read answers: cut down to the caller's scope

interface HasCounty {
  county?: { code?: string } | null;
}

/** Whether something of a county (an alert, a deferral) is visible to the identity. */
export function countyVisible(identity: Identity, countyCode: string | undefined): boolean {
  return !countyScoped(identity) || countyCode === identity.countyCode;
}

/** Whether a holder (or a balance line naming one) is visible: county users see their county and the city level. */
export function holderVisible(identity: Identity, holder: HasCounty): boolean {
  if (!countyScoped(identity)) return true;
  return !holder.county || holder.county.code === identity.countyCode;
}

export function projectVisible(identity: Identity, project: { countyCode?: string; enterpriseHolderId?: string }): boolean {
  if (identity.role === 'project-owner') return project.enterpriseHolderId !== undefined && project.enterpriseHolderId === identity.unitHolderId;
  if (!countyScoped(identity)) return true;
  return project.countyCode === identity.countyCode;
}

/** The answer of a read, limited to what the identity may see. Unknown shapes pass unchanged. */
export function scopeResult(identity: Identity | undefined, action: Action, result: unknown): unknown {
  if (!identity) return result;
  switch (action) {
    case 'holders:read':
      return Array.isArray(result) ? result.filter((holder: HasCounty) => holderVisible(identity, holder)) : result;
    case 'projects:read':
      return Array.isArray(result) ? result.filter((project) => projectVisible(identity, project)) : result;
    case 'funds:read':
      if (result && typeof result === 'object' && Array.isArray((result as { balances?: unknown }).balances)) {
        const fund = result as { balances: HasCounty[] };
        return { ...fund, balances: fund.balances.filter((line) => holderVisible(identity, line)) };
      }
      return result;
    default:
      return result;
  }
}

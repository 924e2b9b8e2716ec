/**
 * The one gate every request passes: who is calling (bearer token), what the route does (its
 * @Permission, or fail-closed defaults), what it touches (looked up for scoped roles), and the policy's
 * answer. Denials are logged with who, what and when; writes and logins are rate-limited.
 */
import { type CanActivate, type ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { Ledger } from '../ledger/ledger';
import { LedgerQueries } from '../ledger/ledger.queries';
import { AuthError } from './auth-error';
import { AuthService, type SecurityLogEntry } from './auth.service';
import { type AuthenticatedRequest, PERMISSION_KEY, RATE_LIMIT_KEY } from './decorators';
import { type Identity, actorOf } from './identity';
import { type HolderRef, type Resource, authorize, countyScoped } from './policy';
import { type Action, PUBLIC_ACTIONS, isAction } from './roles';
import { TokenBuckets } from './rate-limit';
import { SECURITY_SETTINGS, type SecuritySettings } from './security-settings';

/** Routes of controllers that cannot carry a decorator here, open to everyone. */
const PUBLIC_ROUTES = new Set(['GET /health']);
/** Routes under this prefix are public disclosure (公开) for GET. */
const PUBLIC_PREFIXES = ['/api/public/', '/public/'];
/** The most payout items the guard looks at (the DTO refuses more anyway). */
const SCOPE_ITEMS_MAX = 1_000;

/** The action of a route: its declared permission, else public for the health check, else fail closed. */
export function routeAction(declared: unknown, method: string, routePath: string): Action {
  if (isAction(declared)) return declared;
  const read = method === 'GET' || method === 'HEAD';
  if (read && (PUBLIC_ROUTES.has(`GET ${routePath}`) || PUBLIC_PREFIXES.some((prefix) => routePath.startsWith(prefix)))) return 'disclosure:read';
  return read ? 'undeclared:read' : 'undeclared:write';
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly loginBuckets: TokenBuckets;
  private readonly writeBuckets: TokenBuckets;

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly ledger: Ledger,
    private readonly queries: LedgerQueries,
    @Inject(SECURITY_SETTINGS) settings: SecuritySettings,
  ) {
    this.loginBuckets = new TokenBuckets(settings.loginRate, settings.nowMs);
    this.writeBuckets = new TokenBuckets(settings.writeRate, settings.nowMs);
  }

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    if (execution.getType() !== 'http') return true;
    const request = execution.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = execution.switchToHttp().getResponse<Response>();
    const declared = this.reflector.getAllAndOverride<unknown>(PERMISSION_KEY, [execution.getHandler(), execution.getClass()]);
    const routePath = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const action = routeAction(declared, request.method, routePath);
    const identity = this.auth.authenticate(bearerToken(request.header('authorization')));
    if (identity) {
      request.identity = identity;
      request.actor = actorOf(identity);
    }
    request.authorizedAction = action;
    const where = { ip: request.ip, method: request.method, path: request.originalUrl ?? request.url, action };

    if (this.reflector.getAllAndOverride<string>(RATE_LIMIT_KEY, [execution.getHandler(), execution.getClass()]) === 'login') {
      const body = request.body as { username?: unknown } | undefined;
      const username = typeof body?.username === 'string' ? body.username.slice(0, 64).toLowerCase() : '';
      this.limit(this.loginBuckets, [`ip:${request.ip}`, ...(username ? [`user:${username}`] : [])], response, { ...where, username: username || undefined });
    }
    if (PUBLIC_ACTIONS.has(action)) return true;
    if (!identity) {
      this.auth.log({ kind: 'unauthenticated', ...where, status: 401, reason: request.header('authorization') ? 'invalid, expired or revoked token' : 'no token' });
      throw new AuthError(401, 'unauthenticated', '未登录或令牌无效、已过期、已撤销，请先登录', 'not signed in, or the token is invalid, expired or revoked; sign in first');
    }
    const who = { userId: identity.userId, username: identity.username, role: identity.role };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      this.limit(this.writeBuckets, [`user:${identity.userId}`], response, { ...where, ...who });
    }
    const resource = await this.resourceOf(identity, action, request);
    const decision = authorize(identity, action, resource);
    if (!decision.allowed) {
      this.auth.log({ kind: 'denied', ...where, ...who, status: decision.status, reason: decision.reason_en });
      throw new AuthError(decision.status, decision.code, decision.reason_zh, decision.reason_en, { action });
    }
    return true;
  }

  private limit(buckets: TokenBuckets, keys: string[], response: Response, entry: Omit<SecurityLogEntry, 'kind'>): void {
    for (const key of keys) {
      const taken = buckets.take(key);
      if (taken.allowed) continue;
      response.setHeader('Retry-After', String(taken.retryAfterSeconds));
      this.auth.log({ kind: 'rate-limited', ...entry, status: 429, reason: key.replace(/^ip:.*/, 'per address').replace(/^user:.*/, 'per user') });
      throw new AuthError(429, 'too-many-requests', `请求过于频繁，请 ${taken.retryAfterSeconds} 秒后再试`, `too many requests; try again in ${taken.retryAfterSeconds} s`, {
        retryAfterSeconds: taken.retryAfterSeconds,
      });
    }
  }

  /** What the request touches, looked up only where the identity is scoped (the others need no lookup). */
  private async resourceOf(identity: Identity, action: Action, request: AuthenticatedRequest): Promise<Resource | undefined> {
    if (!countyScoped(identity) && identity.role !== 'project-owner') return undefined;
    const body = (request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? request.body : {}) as Record<string, unknown>;
    const params = request.params as Record<string, string>;
    try {
      switch (action) {
        case 'money:transfer':
        case 'money:return':
          return { fromHolders: [await this.holderRef(body.fromHolderId)] };
        case 'money:payout': {
          const items = Array.isArray(body.items) ? body.items.slice(0, SCOPE_ITEMS_MAX) : [];
          const holders = await this.holderMap();
          return { fromHolders: items.map((item) => refOf(holders, (item as { fromHolderId?: unknown } | null)?.fromHolderId)) };
        }
        case 'money:receive': {
          const fund = await this.ledger.fund(String(params.fundId));
          const transfer = fund.exists ? fund.transfers.get(String(params.transferId)) : undefined;
          return transfer ? { toHolder: await this.holderRef(transfer.toHolderId), found: true } : { found: false };
        }
        case 'projects:register': {
          const enterprise = await this.holderRef(body.enterpriseHolderId);
          const stated = (body.county as { code?: unknown } | undefined)?.code;
          const countyCode = typeof stated === 'string' ? stated : enterprise?.countyCode;
          // the stated county and the enterprise's own must agree for a scoped user
          const agrees = !enterprise?.countyCode || enterprise.countyCode === countyCode;
          return { countyCode: agrees ? countyCode : undefined, enterpriseHolderId: enterprise?.holderId, found: Boolean(enterprise) };
        }
        case 'projects:report-progress':
        case 'projects:close': {
          const project = await this.queries.project(String(params.projectId));
          return { countyCode: project.countyCode, enterpriseHolderId: project.enterpriseHolderId, found: true };
        }
        default:
          // no lookup at the route: the feature checks its own objects' scope (authorize with a resource)
          return undefined;
      }
    } catch (error) {
      // a resource that cannot be found is outside every scope; other failures are real errors
      if (error instanceof HttpException && error.getStatus() === 404) return { found: false };
      throw error;
    }
  }

  private async holderMap(): Promise<Map<string, HolderRef>> {
    const holders = await this.ledger.holders();
    return new Map(holders.map((holder) => [holder.holderId, { holderId: holder.holderId, countyCode: holder.county?.code }]));
  }

  private async holderRef(holderId: unknown): Promise<HolderRef | undefined> {
    if (typeof holderId !== 'string') return undefined;
    const holder = await this.ledger.holder(holderId);
    return holder ? { holderId: holder.holderId, countyCode: holder.county?.code } : undefined;
  }
}

function refOf(holders: Map<string, HolderRef>, holderId: unknown): HolderRef | undefined {
  return typeof holderId === 'string' ? holders.get(holderId) : undefined;
}

/** How a route says what it needs, and how a handler gets the caller. */
import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../event-store/event-store.port';
import type { Identity } from './identity';
import type { Action } from './roles';

export const PERMISSION_KEY = 'fundtrail:permission';
export const RATE_LIMIT_KEY = 'fundtrail:rate-limit';

/** The action a route performs; the guard asks the policy whether the caller may. */
export const Permission = (action: Action) => SetMetadata(PERMISSION_KEY, action);

/** Open to everyone, signed in or not (public disclosure). */
export const Public = () => SetMetadata(PERMISSION_KEY, 'disclosure:read' satisfies Action);

/** Rate-limited as a login: per client address and per user name. */
export const LoginRateLimited = () => SetMetadata(RATE_LIMIT_KEY, 'login');

export interface AuthenticatedRequest extends Request {
  identity?: Identity;
  actor?: Actor;
  /** The action the guard authorized (read by the scope interceptor). */
  authorizedAction?: Action;
}

export const CurrentIdentity = createParamDecorator((_: unknown, execution: ExecutionContext): Identity | undefined => {
  return execution.switchToHttp().getRequest<AuthenticatedRequest>().identity;
});

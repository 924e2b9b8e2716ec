import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { AuthError } from '../auth/auth-error';
import type { Actor } from '../event-store/event-store.port';
import type { CommandContext } from '../ledger/ledger';

/** The identity behind a request: set by the authentication guard (src/auth/auth.guard.ts) from the bearer token. */
export interface RequestWithActor extends Request {
  actor?: Actor;
}

/**
 * The command context of a request: its actor (from the authenticated identity, never from the body),
 * its idempotency key and its fingerprint. Without an authenticated actor there is no command.
 */
export const CommandCtx = createParamDecorator((_: unknown, execution: ExecutionContext): CommandContext => {
  const request = execution.switchToHttp().getRequest<RequestWithActor>();
  if (!request.actor) throw new AuthError(401, 'unauthenticated', '未登录，不能执行命令', 'not signed in: no command without an identity');
  const key = request.header('idempotency-key');
  const correlation = request.header('x-correlation-id');
  return {
    actor: request.actor,
    // keys are per user: one user's key can neither replay nor block another user's request
    idempotencyKey: key && key.length <= 200 ? `${request.actor.id}:${key}` : undefined,
    requestFingerprint: { method: request.method, path: request.path, body: request.body },
    correlationId: correlation && correlation.length <= 100 ? correlation : randomUUID(),
  };
});

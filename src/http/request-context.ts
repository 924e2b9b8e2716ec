import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../event-store/event-store.port';
import type { CommandContext } from '../ledger/ledger';

/** The identity behind a request. Set by the authentication middleware; the demo identity until then. */
export interface RequestWithActor extends Request {
  actor?: Actor;
}

export const DEMO_ACTOR: Actor = { id: 'demo', role: 'admin', unit: '演示 / demo' };

/** The command context of a request: its actor (never from the body), its idempotency key and its fingerprint. */
export const CommandCtx = createParamDecorator((_: unknown, execution: ExecutionContext): CommandContext => {
  const request = execution.switchToHttp().getRequest<RequestWithActor>();
  const key = request.header('idempotency-key');
  const correlation = request.header('x-correlation-id');
  return {
    actor: request.actor ?? DEMO_ACTOR,
    idempotencyKey: key && key.length <= 200 ? key : undefined,
    requestFingerprint: { method: request.method, path: request.path, body: request.body },
    correlationId: correlation && correlation.length <= 100 ? correlation : randomUUID(),
  };
});

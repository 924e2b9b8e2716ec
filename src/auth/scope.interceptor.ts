import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, map } from 'rxjs';
import type { AuthenticatedRequest } from './decorators';
import { scopeResult } from './policy';

/** Cuts every read down to what the caller may see (their county, their enterprise), after the handler. */
@Injectable()
export class ScopeInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<AuthenticatedRequest>();
    return next.handle().pipe(map((result) => (request.authorizedAction ? scopeResult(request.identity, request.authorizedAction, result) : result)));
  }
}

/**
 * One place turns every error into an answer: refusals of the ledger with their reason in Chinese and
 * English, bad input naming each field, unknown ids, an unavailable store; never a stack trace or SQL.
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { LedgerRefusal, MoneyFormatError } from '../domain';
import { EventStoreUnavailableError } from '../event-store/event-store.port';
import { ConcurrencyExhaustedError } from '../ledger/ledger';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  message_zh: string;
  message_en: string;
  [extra: string]: unknown;
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error((exception as Error)?.stack ?? String(exception));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof LedgerRefusal) {
      return {
        statusCode: exception.httpStatus,
        error: exception.code,
        message: `${exception.reason_zh} / ${exception.reason_en}`,
        message_zh: exception.reason_zh,
        message_en: exception.reason_en,
        ...(Object.keys(exception.details).length ? { details: exception.details } : {}),
      };
    }
    if (exception instanceof MoneyFormatError) {
      return { statusCode: 400, error: 'bad-amount', message: exception.message, message_zh: exception.reason_zh, message_en: exception.reason_en };
    }
    if (exception instanceof ConcurrencyExhaustedError) {
      return { statusCode: 409, error: 'concurrent-change', message: exception.message, message_zh: '并发修改过多，请重试', message_en: exception.message };
    }
    if (exception instanceof EventStoreUnavailableError) {
      return { statusCode: 503, error: 'store-unavailable', message: '事件存储暂不可用 / the event store is unavailable', message_zh: '事件存储暂不可用，请稍后重试', message_en: 'the event store is unavailable; try again later' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'object' && payload && 'message_en' in payload) return { statusCode: status, ...(payload as object) } as ErrorBody;
      const text = typeof payload === 'string' ? payload : Array.isArray((payload as { message?: unknown }).message) ? ((payload as { message: string[] }).message).join('; ') : String((payload as { message?: unknown }).message ?? exception.message);
      return { statusCode: status, error: httpErrorName(status), message: text, message_zh: zhFor(status, text), message_en: text };
    }
    return { statusCode: 500, error: 'internal', message: '内部错误 / internal error', message_zh: '内部错误，已记录', message_en: 'internal error; it was logged' };
  }
}

function httpErrorName(status: number): string {
  return ({ 400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 413: 'payload-too-large', 429: 'too-many-requests' } as Record<number, string>)[status] ?? 'error';
}

function zhFor(status: number, text: string): string {
  const zh: Record<number, string> = { 400: '请求无效', 401: '未登录', 403: '无权限', 404: '未找到', 413: '请求过大', 429: '请求过于频繁' };
  return zh[status] ? `${zh[status]}：${text}` : text;
}

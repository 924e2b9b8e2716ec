import { HttpException } from '@nestjs/common';

/** An expected refusal of the auth layer, answered by the global filter with both languages. */
export class AuthError extends HttpException {
  constructor(
    status: number,
    public readonly code: string,
    public readonly reason_zh: string,
    public readonly reason_en: string,
    extra: Record<string, unknown> = {},
  ) {
    super({ error: code, message: `${reason_zh} / ${reason_en}`, message_zh: reason_zh, message_en: reason_en, ...extra }, status);
    this.name = 'AuthError';
  }
}

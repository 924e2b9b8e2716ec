/**
 * The JSON body parser, answering its own failures (too large: 413; not JSON: 400; wrong charset: 415)
 * in the same shape as every other error, in Chinese and English, before any route runs. Express would
 * otherwise answer them with its HTML page, which outside production carries a stack trace.
 */
import express, { type NextFunction, type Request, type Response } from 'express';

export const JSON_BODY_LIMIT = '1mb';

const ANSWERS: Record<string, { status: number; error: string; zh: string; en: string }> = {
  'entity.too.large': { status: 413, error: 'payload-too-large', zh: `请求体过大（上限 ${JSON_BODY_LIMIT}）`, en: `request body too large (limit ${JSON_BODY_LIMIT})` },
  'entity.parse.failed': { status: 400, error: 'bad-json', zh: '请求体不是有效的 JSON', en: 'the request body is not valid JSON' },
  'charset.unsupported': { status: 415, error: 'unsupported-charset', zh: '只接受 UTF-8 编码的 JSON', en: 'only UTF-8 JSON is accepted' },
  'encoding.unsupported': { status: 415, error: 'unsupported-encoding', zh: '不支持该内容编码', en: 'unsupported content encoding' },
  'request.aborted': { status: 400, error: 'aborted', zh: '请求被中断', en: 'the request was aborted' },
  'request.size.invalid': { status: 400, error: 'bad-length', zh: '请求长度与声明不符', en: 'the request length does not match its Content-Length' },
};

/** No request body of this API nests deeper; deeper ones would only exhaust the stack of the validators. */
export const JSON_DEPTH_MAX = 32;
/** Keys that reach the prototype of what they are copied into; no field of the API has these names. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The first problem of a parsed body: a prototype key or too deep a nesting (walked without recursion). */
export function bodyProblem(body: unknown): { error: string; zh: string; en: string } | undefined {
  const stack: Array<[unknown, number]> = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= JSON_DEPTH_MAX) return { error: 'too-deep', zh: `请求体嵌套超过 ${JSON_DEPTH_MAX} 层`, en: `the request body nests deeper than ${JSON_DEPTH_MAX} levels` };
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { error: 'forbidden-key', zh: `请求体不得包含字段 ${key}`, en: `the request body must not contain the key ${key}` };
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}

export function jsonBody() {
  const parse = express.json({ limit: JSON_BODY_LIMIT, strict: true });
  return (request: Request, response: Response, next: NextFunction): void => {
    parse(request, response, (error?: unknown) => {
      if (!error) {
        const problem = bodyProblem(request.body);
        if (!problem) return next();
        response.status(400).json({ statusCode: 400, error: problem.error, message: `${problem.zh} / ${problem.en}`, message_zh: problem.zh, message_en: problem.en });
        return;
      }
      const type = (error as { type?: string }).type ?? '';
      const status = (error as { status?: number }).status ?? 400;
      const answer = ANSWERS[type] ?? { status: status >= 400 && status < 500 ? status : 400, error: 'bad-request', zh: '请求无效', en: 'bad request' };
      response.status(answer.status).json({
        statusCode: answer.status,
        error: answer.error,
        message: `${answer.zh} / ${answer.en}`,
        message_zh: answer.zh,
        message_en: answer.en,
      });
    });
  };
}

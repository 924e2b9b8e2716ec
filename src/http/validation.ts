import { type ArgumentMetadata, BadRequestException, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';

/** Each bad field by its path, with every problem found in it. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Array<{ field: string; problems: string[] }> {
  const result: Array<{ field: string; problems: string[] }> = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) result.push({ field, problems: Object.values(error.constraints) });
    if (error.children?.length) result.push(...flattenValidationErrors(error.children, field));
  }
  return result;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const names = fields.map((entry) => entry.field).join(', ');
      return new BadRequestException({
        error: 'bad-request',
        message: `请求字段无效 / invalid fields: ${names}`,
        message_zh: `请求字段无效：${names}`,
        message_en: `invalid fields: ${names}`,
        fields,
      });
    },
  });
}

const ID_PARAM_LENGTH_MAX = 200;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Path parameters that name something (`fundId`, `projectId`, `transferId`, …) are checked once for every route:
 * no control characters (a NUL byte would reach the database) and a bounded length; a bad one is a 400, not a 500.
 */
export class IdParamsPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' || !metadata.data?.endsWith('Id') || typeof value !== 'string') return value;
    if (value.length === 0 || value.length > ID_PARAM_LENGTH_MAX || CONTROL_CHARACTERS.test(value)) {
      throw new BadRequestException({
        error: 'bad-request',
        message: `路径参数 ${metadata.data} 无效 / invalid path parameter ${metadata.data}`,
        message_zh: `路径参数 ${metadata.data} 无效：长度须为 1–${ID_PARAM_LENGTH_MAX}，且不含控制字符`,
        message_en: `invalid path parameter ${metadata.data}: 1–${ID_PARAM_LENGTH_MAX} characters without control characters`,
        fields: [{ field: metadata.data, problems: ['invalid id'] }],
      });
    }
    return value;
  }
}

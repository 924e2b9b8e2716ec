import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

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

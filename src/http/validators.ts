import { type ValidationOptions, registerDecorator } from 'class-validator';
import { AMOUNT_FEN_MAX, MoneyFormatError, formatYuan, isBusinessDate, isValidCreditCode, parseYuan } from '../domain';

/** A decimal string of 元 with at most two decimals, not above AMOUNT_FEN_MAX; `positive` refuses zero. */
export function IsYuan(options: { positive?: boolean } = { positive: true }, validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isYuan',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate(value: unknown) {
          try {
            const fen = parseYuan(value);
            return options.positive === false || fen > 0;
          } catch {
            return false;
          }
        },
        defaultMessage(args) {
          try {
            parseYuan(args?.value);
            return `${args?.property}: 金额必须大于零 / amount must be greater than zero`;
          } catch (error) {
            const reason = error instanceof MoneyFormatError ? `${error.reason_zh} / ${error.reason_en}` : String(error);
            return `${args?.property}: ${reason} (≤ ${formatYuan(AMOUNT_FEN_MAX)})`;
          }
        },
      },
    });
}

/** A calendar date "YYYY-MM-DD". */
export function IsBusinessDate(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isBusinessDate',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => isBusinessDate(value),
        defaultMessage: (args) => `${args?.property}: 日期必须是 YYYY-MM-DD 格式的有效日期 / must be a calendar date YYYY-MM-DD`,
      },
    });
}

/** A unified social credit code (统一社会信用代码) whose check character is right (GB 32100-2015). */
export function IsCreditCode(validationOptions?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCreditCode',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidCreditCode(value),
        defaultMessage: (args) => `${args?.property}: 统一社会信用代码格式或校验位不符 / not a valid unified social credit code (18 characters, check character per GB 32100-2015)`,
      },
    });
}

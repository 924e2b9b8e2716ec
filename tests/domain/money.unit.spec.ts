import { AMOUNT_FEN_MAX, MoneyFormatError, formatWan, formatYuan, formatYuanGrouped, parseYuan, percent, wan } from '../../src/domain';

describe('money: 元 strings at the edges, integer fen inside', () => {
  it.each([
    ['4191800.00', 419_180_000],
    ['0.01', 1],
    ['30', 3_000],
    ['12251.3', 1_225_130],
    ['0', 0],
  ])('parses %s 元 into %d fen', (text, fen) => {
    expect(parseYuan(text)).toBe(fen);
  });

  it.each([
    ['1.001', 'more than two decimals'],
    ['-1.00', 'sign'],
    ['+1.00', 'sign'],
    ['1e5', 'exponent'],
    ['', 'empty'],
    ['   ', 'empty'],
    ['abc', 'not a decimal'],
    ['1,000.00', 'not a decimal'],
    ['.5', 'not a decimal'],
    ['NaN', 'not a decimal'],
  ])('refuses %j (%s) with a message', (text, why) => {
    expect(() => parseYuan(text)).toThrow(MoneyFormatError);
    expect(() => parseYuan(text)).toThrow(new RegExp(why));
  });

  it('refuses numbers, null and objects: amounts are strings', () => {
    for (const value of [12.5, null, undefined, {}, ['1']]) expect(() => parseYuan(value)).toThrow(/decimal string/);
  });

  it('refuses an amount above the stated maximum, and accepts the maximum itself', () => {
    expect(parseYuan(formatYuan(AMOUNT_FEN_MAX))).toBe(AMOUNT_FEN_MAX);
    expect(() => parseYuan(formatYuan(AMOUNT_FEN_MAX + 1))).toThrow(/maximum/);
    expect(() => parseYuan('100.00', 9_999)).toThrow(/maximum of 99.99/);
  });

  it('formats in 元 and in 万元 (the report’s unit)', () => {
    expect(formatYuan(419_180_000)).toBe('4191800.00');
    expect(formatYuan(1)).toBe('0.01');
    expect(formatYuan(-150)).toBe('-1.50');
    expect(formatYuanGrouped(12_251_310_000)).toBe('122,513,100.00');
    expect(formatWan(wan('12251.31'))).toBe('12251.31');
    expect(formatWan(2_351_020_000)).toBe('2351.02');
    expect(formatWan(5_000)).toBe('0.01'); // half a hundredth of 万 rounds up
    expect(formatWan(4_999)).toBe('0.00');
  });

  it('computes a rate with its base named by the caller, exactly', () => {
    expect(percent(wan('2351.02'), wan('15000'))).toBe('15.67');
    expect(percent(1, 0)).toBeNull();
  });
});

import { canonicalJson } from '../../src/event-store/hash-chain';

describe('canonical JSON (what every event hash covers)', () => {
  it('sorts keys at every depth, leaves out undefined fields, keeps array order, writes undefined in arrays as null', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, undefined, { z: 1, y: 2 }], c: undefined }, 中文: '专项资金' })).toBe(
      '{"a":{"d":[3,null,{"y":2,"z":1}]},"b":1,"中文":"专项资金"}',
    );
  });

  it('equals JSON.stringify of the same value with its keys sorted, for keys and strings that need escaping', () => {
    const value = { 'weird "key"': 'x\n"y"', plain_key$1: 'a\u0001b', n: -0.5, t: true, z: null };
    const sorted = Object.fromEntries(Object.keys(value).sort().map((key) => [key, (value as Record<string, unknown>)[key]]));
    expect(canonicalJson(value)).toBe(JSON.stringify(sorted));
  });
});

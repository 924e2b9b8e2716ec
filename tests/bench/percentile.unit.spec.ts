/**
 * Proves: the bench's query percentiles are nearest-rank percentiles (the smallest value with at least q of the
 * calls at or under it), so a p99 of 300 calls is the 297th, not the slowest call; and a p50 is the middle call.
 */
import { percentile } from '../../bench/phases';

const oneTo = (n: number) => Array.from({ length: n }, (_, index) => index + 1);

describe('bench query percentiles', () => {
  it('gives the nearest rank: p50 and p99 of 1..100 are 50 and 99, of 1..300 are 150 and 297', () => {
    expect(percentile(oneTo(100), 0.5)).toBe(50);
    expect(percentile(oneTo(100), 0.99)).toBe(99);
    expect(percentile(oneTo(300), 0.5)).toBe(150);
    expect(percentile(oneTo(300), 0.99)).toBe(297);
  });

  it('is the only value of one sample, the largest at q = 1, and NaN of none', () => {
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile(oneTo(10), 1)).toBe(10);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

import { describe, expect, it } from 'vitest';
import { pairedInterval, pairedRatio } from '../../../server/loop/paired-interval.ts';

describe('paired intervals', () => {
  it('gives the mean and the 95% t interval of paired differences', () => {
    // mean 2, sd 1, n 4: half-width 3.182 * 1 / 2
    const p = pairedInterval([1, 2, 3, 2]);
    expect(p.mean).toBe(2);
    const sd = Math.sqrt(2 / 3);
    expect(p.lo).toBeCloseTo(2 - (3.182 * sd) / 2, 9);
    expect(p.hi).toBeCloseTo(2 + (3.182 * sd) / 2, 9);
    expect(pairedInterval([5])).toEqual({ mean: 5, lo: null, hi: null, n: 1 });
    expect(() => pairedInterval([])).toThrow(/no pairs/);
  });

  it('gives ratios as geometric means with the interval of the logs, leaving out pairs without a positive value', () => {
    const r = pairedRatio([1, 2, 4, 3], [2, 4, 8, NaN]);
    expect(r.ratio).toBeCloseTo(2, 12);
    expect(r.lo).toBeCloseTo(2, 9);
    expect(r.hi).toBeCloseTo(2, 9);
    expect(r).toMatchObject({ n: 3, excluded: 1 });
    expect(pairedRatio([0], [1])).toMatchObject({ n: 0, excluded: 1 });
  });
});

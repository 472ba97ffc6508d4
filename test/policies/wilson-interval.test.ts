import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../policies/wilson-interval.ts';

describe('wilsonInterval', () => {
  it('matches published values', () => {
    // 65/100: Wilson 95% interval (0.5525, 0.7364)
    const [lo, hi] = wilsonInterval(65, 100);
    expect(lo).toBeCloseTo(0.5525, 3);
    expect(hi).toBeCloseTo(0.7364, 3);
    // 0/10 and 10/10 stay inside [0, 1] with a non-zero width
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 3);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    expect(wilsonInterval(10, 10)[0]).toBeCloseTo(0.7225, 3);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(3, 0)).toThrow(/at least one trial/);
    expect(() => wilsonInterval(11, 10)).toThrow(/11 successes out of 10/);
  });
});

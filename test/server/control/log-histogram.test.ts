import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../../../server/control/log-histogram.ts';

// the nearest-rank percentile of the samples themselves
function exact(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

describe('LogHistogram', () => {
  it('gives each percentile within one bucket (about 10%) above the exact one, never below, and the exact maximum', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 2e-6, max: 10, noNaN: true }), { minLength: 1, maxLength: 300 }),
      fc.constantFrom(50, 90, 99, 99.9),
      (xs, p) => {
        const h = new LogHistogram();
        for (const x of xs) h.push(x);
        const want = exact(xs, p);
        const got = h.percentile(p);
        expect(got).toBeGreaterThanOrEqual(want * (1 - 1e-9));
        expect(got).toBeLessThanOrEqual(want * 10 ** (1 / LogHistogram.PER_DECADE) * (1 + 1e-9));
        expect(h.percentile(100)).toBe(Math.max(...xs));
      },
    ));
  });

  it('keeps counting past any ring size, is empty after clear, and ignores non-numbers', () => {
    const h = new LogHistogram();
    for (let i = 0; i < 100_000; i++) h.push(i === 0 ? 0.5 : 0.001);
    h.push(NaN);
    expect(h.count).toBe(100_000);
    expect(h.percentile(100)).toBe(0.5);
    expect(h.percentile(99)).toBeLessThanOrEqual(0.001 * 10 ** (1 / LogHistogram.PER_DECADE) * (1 + 1e-9));
    h.clear();
    expect(h.count).toBe(0);
    expect(h.percentile(50)).toBeNaN();
  });
});

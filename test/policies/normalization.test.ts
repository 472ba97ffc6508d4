import { describe, expect, it } from 'vitest';
import { computeNormalization, FIELD_STD_SHARE, normalizeInputs } from '../../policies/normalization.ts';

/** Rows of 4 inputs: field A = [a wide yaw-like entry, a nearly constant tilt entry], field B = [a wide one, a constant one]. */
function rows(n: number): Float32Array {
  const x = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    x[i * 4] = Math.cos(i);
    x[i * 4 + 1] = 1e-5 * Math.sin(3 * i); // hardly moves in the data
    x[i * 4 + 2] = 0.1 * Math.sin(i);
    x[i * 4 + 3] = 0; // never moves
  }
  return x;
}

describe('input normalization std floor', () => {
  const n = 200;
  const x = rows(n);
  const y = new Float32Array(n);
  const w = new Float32Array(n).fill(1);

  it('a nearly constant input of a field gets a std of at least a share of its field\'s widest spread', () => {
    const norm = computeNormalization(x, y, w, 4, 1, [2, 2]);
    expect(norm.inputStd[0]).toBeCloseTo(Math.SQRT1_2, 1);
    expect(norm.inputStd[1]).toBeCloseTo(FIELD_STD_SHARE * norm.inputStd[0], 6);
    expect(norm.inputStd[3]).toBeCloseTo(FIELD_STD_SHARE * norm.inputStd[2], 6);
    // a tilt of 0.1 (about 6 degrees) in the nearly constant entry is a few sigma, not a hundred
    const tilted = Float32Array.from([1, 0.1, 0, 0]);
    const z = normalizeInputs(norm, tilted, 1);
    expect(Math.abs(z[1])).toBeLessThan(2);
  });

  it('without the fields only the absolute floor applies (how earlier versions were trained)', () => {
    const norm = computeNormalization(x, y, w, 4, 1);
    expect(norm.inputStd[1]).toBe(1e-3);
    expect(norm.inputStd[3]).toBe(1e-3);
    expect(Math.abs(normalizeInputs(norm, Float32Array.from([1, 0.1, 0, 0]), 1)[1])).toBeGreaterThan(90);
  });

  it('names field sizes that do not add up to the input size', () => {
    expect(() => computeNormalization(x, y, w, 4, 1, [2, 1])).toThrow(/field sizes add up to 3, not the input size 4/);
  });
});

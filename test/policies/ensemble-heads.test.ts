import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../core/seeded-random.ts';
import { ensembleWeightCount, EnsembleScorer, fitEnsemble, type EnsembleShape } from '../../policies/ensemble-heads.ts';

describe('ensemble of small heads', () => {
  const shape: EnsembleShape = { heads: 4, hidden: 24, inputDim: 3, outputDim: 2 };
  const rng = new SeededRandom(5);
  const n = 600;
  const z = Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1));
  const t = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    t[i * 2] = Math.sin(2 * z[i * 3]) * 0.5 + 0.2 * z[i * 3 + 1];
    t[i * 2 + 1] = 0.4 * z[i * 3 + 2] * z[i * 3 + 1];
  }
  const w = fitEnsemble(z, t, n, shape, { seed: 1 });
  const scorer = new EnsembleScorer(shape, w);

  it('the heads agree inside the training box and spread apart far outside it', () => {
    let inside = 0;
    for (let i = 0; i < n; i++) inside = Math.max(inside, scorer.score(z, i * 3));
    const far = Float32Array.from([4, -4, 4]);
    expect(scorer.score(far)).toBeGreaterThan(5 * inside);
  });

  it('is reproducible from its seed and differs with another', () => {
    expect(fitEnsemble(z, t, n, shape, { seed: 1 })).toEqual(w);
    expect(fitEnsemble(z, t, n, shape, { seed: 2 })).not.toEqual(w);
    expect(w.length).toBe(ensembleWeightCount(shape));
  });

  it('refuses one head, rows that do not match, and weights of the wrong size', () => {
    expect(() => fitEnsemble(z, t, n, { ...shape, heads: 1 })).toThrow(/at least 2 heads/);
    expect(() => fitEnsemble(z, t, n - 1, shape)).toThrow(/not 599 rows of 3 and 2/);
    expect(() => new EnsembleScorer(shape, w.subarray(1))).toThrow(new RegExp(`needs ${w.length} weights, got ${w.length - 1}`));
  });
});

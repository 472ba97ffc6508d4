import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initBackend } from '../../policies/backend.ts';
import { firstRaise, type RolloutTrace } from '../../policies/rollout-calibration.ts';
import { RiskScorer, riskWeightCount } from '../../policies/risk-model.ts';
import { calibrateRiskOnRollouts, fitRiskModel, foldsOf } from '../../policies/risk-training.ts';
import { SeededRandom } from '../../core/seeded-random.ts';

const D = 3;
const norm = { inputMean: [0, 0, 0], inputStd: [1, 1, 1] };

/**
 * Rollouts with a planted outcome: an episode fails exactly when its feature x (the first) is
 * above 0; x is fixed over the episode (|x| at least 0.2: a margin), the other features are noise.
 */
function plantedRollouts(count: number, seed: number, ticks = 12): RolloutTrace[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const x = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.2, 1);
    const features = new Float32Array(ticks * D);
    for (let t = 0; t < ticks; t++) {
      features[t * D] = x;
      features[t * D + 1] = rng.gaussian();
      features[t * D + 2] = t / ticks;
    }
    return { failed: x > 0, scores: new Float64Array(ticks), features };
  });
}

/** The help monitor's rule: `minTicks` ticks in a row strictly above. */
const raises = (scores: ArrayLike<number>, threshold: number, minTicks: number) => firstRaise(scores, threshold, minTicks) >= 0;

describe('failure-risk model', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
  });

  it('learns a planted separable outcome: high risk where x > 0, low where x < 0', () => {
    const traces = plantedRollouts(60, 1);
    const rows = traces.flatMap((t) => Array.from({ length: t.scores.length }, (_, i) => ({ x: t.features!.subarray(i * D, i * D + D), failed: t.failed })));
    const x = new Float32Array(rows.length * D);
    rows.forEach((r, i) => x.set(r.x, i * D));
    const weights = fitRiskModel(x, rows.map((r) => (r.failed ? 1 : 0)), norm, { hidden: [16], epochs: 100, learningRate: 1e-2, seed: 3 });
    expect(weights.length).toBe(riskWeightCount({ dim: D, hidden: [16] }));
    const scorer = new RiskScorer({ threshold: 0.5, dim: D, hidden: [16] }, weights, norm);
    for (const [x0, fails] of [[0.8, true], [0.5, true], [0.3, true], [-0.3, false], [-0.5, false], [-0.8, false]] as const) {
      const p = scorer.score(Float32Array.of(x0, 0, 0.5));
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      if (fails) expect(p, `x ${x0}`).toBeGreaterThan(0.8);
      else expect(p, `x ${x0}`).toBeLessThan(0.2);
    }
  });

  it('is deterministic for a seed', () => {
    const x = Float32Array.from({ length: 40 * D }, (_, i) => Math.sin(i));
    const y = Array.from({ length: 40 }, (_, i) => i % 2);
    expect(fitRiskModel(x, y, norm, { hidden: [4], epochs: 2, seed: 5 })).toEqual(fitRiskModel(x, y, norm, { hidden: [4], epochs: 2, seed: 5 }));
  });

  it('deals rollouts into folds by episode, failed and successful apart, each outcome spread evenly', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 5 }), fc.integer(), (outcomes, folds, seed) => {
        const traces = outcomes.map((failed) => ({ failed, scores: [0] }));
        const fold = foldsOf(traces, folds, seed);
        expect(fold.every((f) => f >= 0 && f < folds)).toBe(true);
        for (const failed of [true, false]) {
          const sizes = Array.from({ length: folds }, (_, k) => traces.filter((t, i) => t.failed === failed && fold[i] === k).length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
        expect(foldsOf(traces, folds, seed)).toEqual(fold);
      }),
    );
  });

  it('sets its threshold on rollouts each scored by a model not trained on them, within the episode rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 0.5, noNaN: true }), (seed, episodeRate) => {
        const traces = plantedRollouts(45, seed);
        if (traces.filter((t) => t.failed).length < 6 || traces.filter((t) => !t.failed).length < 6) return;
        const { model } = calibrateRiskOnRollouts(traces, norm, { episodeRate, minTicks: 3, task: 'place', seedBase: 20000, seed, hidden: [16], epochs: 60, learningRate: 1e-2 });
        const ok = traces.filter((t) => !t.failed).length;
        expect(model.rollouts).toMatchObject({ episodes: 45, successes: ok, failures: 45 - ok, stepThreshold: 0.5 });
        expect(model.rollouts.flaggedSuccesses).toBeLessThanOrEqual(Math.floor(episodeRate * ok));
        expect(model.training).toMatchObject({ episodes: 45, failures: 45 - ok, folds: 3, steps: 45 * 12 });
        // the outcome is in the state from the first tick: out of fold, the failures raise at once
        expect(model.rollouts.flaggedFailures).toBeGreaterThanOrEqual(45 - ok - 2);
        expect(model.rollouts.failureFirstRaise?.min).toBe(2);
      }),
      { numRuns: 5 },
    );
  });

  it('the stored model on fresh rollouts: the successes raise near the episode rate, the failures raise at once', () => {
    for (const seed of [1, 2, 3]) {
      const { model, weights } = calibrateRiskOnRollouts(plantedRollouts(90, seed), norm, { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 20000, seed, hidden: [16], epochs: 60, learningRate: 1e-2 });
      const scorer = new RiskScorer(model, weights, norm);
      const fresh = plantedRollouts(200, seed + 7777).map((t) => ({ failed: t.failed, scores: Array.from({ length: t.scores.length }, (_, i) => scorer.score(t.features!, i * D)) }));
      const ok = fresh.filter((t) => !t.failed);
      const failed = fresh.filter((t) => t.failed);
      // a threshold set on some 45 successes holds on new ones within sampling error (0.1 here)
      expect(ok.filter((t) => raises(t.scores, model.threshold, 3)).length / ok.length, `seed ${seed}`).toBeLessThanOrEqual(0.2);
      expect(failed.filter((t) => firstRaise(t.scores, model.threshold, 3) === 2).length / failed.length, `seed ${seed}`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('learns from corrected rollouts after their hand-back, and sets its threshold on the policy-alone ones only', () => {
    const alone = plantedRollouts(60, 4);
    // after a correction: a state the policy alone reads as failing (x > 0), in a phase it never reaches alone (third feature 1.5), and the episode succeeds; no features before the hand-back
    const rng = new SeededRandom(9);
    const corrected: RolloutTrace[] = Array.from({ length: 30 }, () => {
      const x = rng.uniform(0.2, 1);
      const features = new Float32Array(12 * D).fill(Number.NaN);
      for (let t = 4; t < 12; t++) features.set([x, rng.gaussian(), 1.5], t * D);
      return { failed: false, scores: new Float64Array(12), features, corrected: true };
    });
    const opts = { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 20000, seed: 4, hidden: [16], epochs: 60, learningRate: 1e-2 };
    const failures = alone.filter((t) => t.failed).length;
    const without = calibrateRiskOnRollouts(alone, norm, opts);
    const withCorrected = calibrateRiskOnRollouts([...alone, ...corrected], norm, opts);
    // the threshold's rule saw the policy-alone rollouts only
    expect(withCorrected.model.rollouts).toMatchObject({ episodes: 60, failures });
    expect(withCorrected.model.rollouts.flaggedSuccesses).toBeLessThanOrEqual(6);
    expect(withCorrected.model.training).toMatchObject({ episodes: 60, failures, steps: 60 * 12 + 30 * 8, corrected: { episodes: 30, failures: 0 } });
    expect(without.model.training.corrected).toBeUndefined();
    // out of fold, few corrected successes raise after their hand-back
    expect(withCorrected.model.training.corrected!.flaggedSuccesses).toBeLessThanOrEqual(3);
    // the stored models: after a correction, failing to the one that never saw one, safe to the other; the failures alone stay failing to both
    const never = new RiskScorer(without.model, without.weights, norm);
    const seen = new RiskScorer(withCorrected.model, withCorrected.weights, norm);
    expect(never.score(Float32Array.of(0.6, 0, 1.5))).toBeGreaterThan(0.8);
    expect(seen.score(Float32Array.of(0.6, 0, 1.5))).toBeLessThan(0.2);
    expect(seen.score(Float32Array.of(0.6, 0, 0.5))).toBeGreaterThan(0.8);
  });

  it('with a horizon: a failed rollout counts as failing only from shortly before its first visible failure sign', () => {
    // failures look like successes (x near -0.5) until tick 6, then go wrong (x near +0.8); a watching person sees it at tick 8
    const rng = new SeededRandom(21);
    const rollouts = (count: number): RolloutTrace[] => Array.from({ length: count }, () => {
      const failed = rng.next() < 0.4;
      const features = new Float32Array(12 * D);
      for (let t = 0; t < 12; t++) features.set([failed && t >= 6 ? 0.8 + 0.1 * rng.gaussian() : -0.5 + 0.1 * rng.gaussian(), rng.gaussian(), t / 12], t * D);
      return { failed, scores: new Float64Array(12), features, firstSign: failed ? 8 : -1 };
    });
    const traces = rollouts(90);
    const opts = { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 20000, seed: 5, hidden: [16], epochs: 60, learningRate: 1e-2 };
    const whole = calibrateRiskOnRollouts(traces, norm, opts);
    const near = calibrateRiskOnRollouts(traces, norm, { ...opts, horizon: 2 });
    expect(near.model.training.horizonTicks).toBe(2);
    expect(whole.model.training.horizonTicks).toBeUndefined();
    const early = Float32Array.of(-0.5, 0, 3 / 12);
    const late = Float32Array.of(0.8, 0, 8 / 12);
    // labelled by the whole episode, a state every episode passes through carries the share of failures; with the horizon, it is safe
    const wholeScorer = new RiskScorer(whole.model, whole.weights, norm);
    const nearScorer = new RiskScorer(near.model, near.weights, norm);
    expect(wholeScorer.score(early)).toBeGreaterThan(0.2);
    expect(nearScorer.score(early)).toBeLessThan(0.1);
    expect(nearScorer.score(late)).toBeGreaterThan(0.8);
    // the failures still raise, on the ticks after they go wrong
    expect(near.model.rollouts.flaggedFailures).toBeGreaterThanOrEqual(near.model.rollouts.failures - 1);
    // (an early raise on a failure is as likely as on a success: the threshold lets 10% of those raise)
    expect(near.model.rollouts.failureFirstRaise!.median).toBeGreaterThanOrEqual(6);
    expect(() => calibrateRiskOnRollouts(traces.map(({ firstSign: _, ...t }) => t), norm, { ...opts, horizon: 2 })).toThrow(/a failed rollout has no firstSign/);
  });

  it('with the clock input, learns failures that look like successes until they run long', () => {
    // every tick looks the same in the features; successes end by 5 s, failures run to 15 s
    const rng = new SeededRandom(11);
    const timed = (count: number): RolloutTrace[] => Array.from({ length: count }, () => {
      const failed = rng.next() < 0.3;
      const ticks = failed ? 30 : Math.round(rng.uniform(6, 10));
      return {
        failed, scores: new Float64Array(ticks),
        features: Float32Array.from({ length: ticks * D }, () => rng.gaussian()),
        times: Float64Array.from({ length: ticks }, (_, i) => i * 0.5),
      };
    });
    const traces = timed(90);
    const opts = { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 20000, seed: 2, hidden: [16], epochs: 60, learningRate: 1e-2 };
    const failures = traces.filter((t) => t.failed).length;
    const withClock = calibrateRiskOnRollouts(traces, norm, { ...opts, time: true, members: 3 });
    expect(withClock.model.time!.mean).toBeGreaterThan(0);
    expect(withClock.model.members).toBe(3);
    expect(withClock.weights.length).toBe(riskWeightCount(withClock.model));
    expect(withClock.weights.length).toBe(3 * riskWeightCount({ dim: D + 1, hidden: [16] }));
    expect(withClock.model.rollouts.flaggedFailures).toBeGreaterThanOrEqual(failures - 1);
    // features alone cannot tell them apart: at the same rate of flagged successes, few failures
    const without = calibrateRiskOnRollouts(traces, norm, opts);
    expect(without.model.time).toBeUndefined();
    expect(without.model.rollouts.flaggedFailures).toBeLessThan(failures / 2);
    // the stored model on fresh rollouts reads the clock: it raises on the failures once they run past most successes
    const scorer = new RiskScorer(withClock.model, withClock.weights, norm);
    const fresh = timed(100).map((t) => ({ failed: t.failed, first: firstRaise(Array.from(t.scores, (_, i) => scorer.score(t.features!, i * D, t.times![i])), withClock.model.threshold, 3) }));
    const failed = fresh.filter((t) => t.failed);
    expect(failed.filter((t) => t.first >= 0).length).toBeGreaterThanOrEqual(failed.length - 1);
    // not before the shortest successes have ended (tick 6): until then, nothing tells them apart
    expect(Math.min(...failed.filter((t) => t.first >= 0).map((t) => t.first))).toBeGreaterThanOrEqual(6);
    expect(fresh.filter((t) => !t.failed && t.first >= 0).length).toBeLessThanOrEqual(Math.ceil(0.2 * fresh.filter((t) => !t.failed).length));
  });

  it('refuses rollouts without features, and training rollouts of one outcome only', () => {
    expect(() => calibrateRiskOnRollouts([{ failed: true, scores: [0, 0] }], norm, { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 0 })).toThrow(/has no features, not 3 per tick/);
    const allOk = plantedRollouts(9, 2).map((t) => ({ ...t, failed: false }));
    expect(() => calibrateRiskOnRollouts(allOk, norm, { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 0 })).toThrow(/needs failed and successful rollouts to learn from in every fold: 0 of 9 failed/);
    expect(() => calibrateRiskOnRollouts(plantedRollouts(9, 2), norm, { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 0, time: true })).toThrow(/a rollout of 12 ticks has no times/);
  });
});

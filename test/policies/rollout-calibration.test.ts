import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calibrateOnRollouts, firstRaise, sustainedPeak, type RolloutTrace } from '../../policies/rollout-calibration.ts';

/** The help monitor's rule, spelled out: `minTicks` ticks in a row strictly above the threshold. */
function raises(scores: number[], threshold: number, minTicks: number): boolean {
  let run = 0;
  for (const s of scores) {
    run = s > threshold ? run + 1 : 0;
    if (run >= minTicks) return true;
  }
  return false;
}

const base = { minTicks: 3, task: 'place', seedBase: 20000, stepThreshold: 0.2 };

describe('rollout calibration', () => {
  it('sustainedPeak: an episode raises at a threshold exactly when its sustained peak is above it', () => {
    expect(sustainedPeak([0.1, 0.9, 0.8, 0.7, 0.2], 3)).toBeCloseTo(0.7);
    expect(sustainedPeak([0.1, 0.9, 0.1, 0.9, 0.1], 2)).toBeCloseTo(0.1);
    expect(sustainedPeak([5, Number.NaN, 5], 2)).toBe(-Infinity);
    expect(sustainedPeak([1, 2], 3)).toBe(-Infinity);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (scores, k, t) => {
        expect(sustainedPeak(scores, k) > t).toBe(raises(scores, t, k));
      }),
    );
  });

  it('firstRaise: the tick a request is raised at, -1 exactly when the episode never raises', () => {
    expect(firstRaise([0.1, 0.9, 0.8, 0.7, 0.9], 0.5, 3)).toBe(3);
    expect(firstRaise([0.9, 0.9, 0.1, 0.9, 0.9], 0.5, 3)).toBe(-1);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (scores, k, t) => {
        const at = firstRaise(scores, t, k);
        expect(at >= 0).toBe(raises(scores, t, k));
        if (at >= 0) {
          expect(scores.slice(at - k + 1, at + 1).every((s) => s > t)).toBe(true);
          expect(raises(scores.slice(0, at), t, k)).toBe(false);
        }
      }),
    );
  });

  it('records when the flagged failed rollouts first raise', () => {
    const traces = [{ failed: false, scores: [0, 0, 0, 0] }, { failed: true, scores: [0, 1, 1, 1, 1] }, { failed: true, scores: [1, 1, 1] }, { failed: true, scores: [0, 0, 0] }];
    const { calibration } = calibrateOnRollouts(traces, { ...base, episodeRate: 0 });
    expect(calibration.flaggedFailures).toBe(2);
    expect(calibration.failureFirstRaise).toEqual({ mean: 2.5, median: 2.5, min: 2, max: 3 });
    expect(calibrateOnRollouts([{ failed: false, scores: [0, 0, 0] }], { ...base, episodeRate: 0 }).calibration.failureFirstRaise).toBeUndefined();
  });

  it('sets the lowest threshold at which at most the given share of successful rollouts raise', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ failed: fc.boolean(), scores: fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 1, maxLength: 30 }) }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (traces: RolloutTrace[], episodeRate) => {
          const ok = traces.filter((t) => !t.failed);
          if (ok.length === 0) return;
          const { threshold, calibration } = calibrateOnRollouts(traces, { ...base, episodeRate });
          const flaggedOk = ok.filter((t) => raises(Array.from(t.scores), threshold, 3)).length;
          expect(flaggedOk).toBeLessThanOrEqual(Math.floor(episodeRate * ok.length));
          expect(calibration).toMatchObject({ successes: ok.length, failures: traces.length - ok.length, flaggedSuccesses: flaggedOk, episodeRate });
          expect(calibration.flaggedFailures).toBe(traces.filter((t) => t.failed && raises(Array.from(t.scores), threshold, 3)).length);
          expect(calibration.stepFlaggedSuccesses).toBe(ok.filter((t) => raises(Array.from(t.scores), 0.2, 3)).length);
          // the lowest such: a little lower, more successful rollouts than allowed would raise (unless at 0)
          if (threshold > 0) expect(ok.filter((t) => raises(Array.from(t.scores), threshold - 1e-9, 3)).length).toBeGreaterThan(Math.floor(episodeRate * ok.length));
        },
      ),
    );
  });

  it('refuses rollouts without a success and a share outside [0, 1]', () => {
    expect(() => calibrateOnRollouts([{ failed: true, scores: [1, 1, 1] }], { ...base, episodeRate: 0.1 })).toThrow(/none of the 1 rollouts succeeded/);
    expect(() => calibrateOnRollouts([{ failed: false, scores: [1, 1, 1] }], { ...base, episodeRate: 2 })).toThrow(/episodeRate must be in \[0, 1\]/);
  });
});

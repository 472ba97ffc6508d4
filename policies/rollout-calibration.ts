import { Type, type Static } from '@sinclair/typebox';

/**
 * How a help score's threshold was set from the version's own rollouts (policy.json
 * `help.rollouts` or `help.ensemble.rollouts`, optional). The held-out-step calibration
 * (`rate`, `heldOutSteps`, `heldOutAbove`) counts steps of the demonstrator's episodes, but a policy
 * drifts from them, so on its own rollouts the score crosses that threshold in far more
 * episodes than `rate` suggests. This one counts whole episodes of the policy itself: at most
 * `episodeRate` of its successful rollouts would have raised a request.
 */
export const RolloutCalibrationSchema = Type.Object(
  {
    /** share of successful rollouts allowed to raise a request */
    episodeRate: Type.Number({ minimum: 0, maximum: 1 }),
    /** consecutive ticks above the threshold that raise a request (the robots' `help.minTicks`) */
    minTicks: Type.Integer({ minimum: 1 }),
    task: Type.String(),
    seedBase: Type.Integer({ minimum: 0 }),
    episodes: Type.Integer({ minimum: 1 }),
    successes: Type.Integer({ minimum: 0 }),
    /** successful rollouts that would have raised a request (at most episodeRate * successes) */
    flaggedSuccesses: Type.Integer({ minimum: 0 }),
    failures: Type.Integer({ minimum: 0 }),
    /** failed rollouts that would have raised one */
    flaggedFailures: Type.Integer({ minimum: 0 }),
    /** the threshold of the held-out-step calibration it replaced */
    stepThreshold: Type.Number({ minimum: 0 }),
    /** successful and failed rollouts that would have raised a request at stepThreshold */
    stepFlaggedSuccesses: Type.Integer({ minimum: 0 }),
    stepFlaggedFailures: Type.Integer({ minimum: 0 }),
    /** the step at which the flagged failed rollouts would first have raised a request: how early the score warns */
    failureFirstRaise: Type.Optional(Type.Object({ mean: Type.Number(), median: Type.Number(), min: Type.Integer(), max: Type.Integer() })),
  },
  { description: "a help threshold set on the version's own rollouts" },
);
export type RolloutCalibration = Static<typeof RolloutCalibrationSchema>;

/** One rollout: its outcome and the raising score of every tick. */
export interface RolloutTrace {
  failed: boolean;
  scores: ArrayLike<number>;
  /** the policy's raw observation features of every tick, row after row (what a failure-risk model learns from) */
  features?: Float32Array;
  /** the observation's clock `t` of every tick, seconds since the episode reset (what a failure-risk model with the clock input reads) */
  times?: Float64Array;
  /**
   * A rollout an operator corrected once: only its ticks after the hand-back carry finite
   * features (its outcome is the policy's from there). It trains a failure-risk model and never
   * sets a threshold.
   */
  corrected?: boolean;
  /** the tick at which a person watching would first have seen the robot failing (sim/simulated-operator.ts), -1 never: where a failure-risk model with a horizon places the failure */
  firstSign?: number;
}

/**
 * The tick at which a request would be raised: the last of the first `minTicks` ticks in a row
 * strictly above `threshold` (the help monitor's rule); -1 when it never is.
 */
export function firstRaise(scores: ArrayLike<number>, threshold: number, minTicks: number): number {
  let run = 0;
  for (let i = 0; i < scores.length; i++) {
    run = scores[i] > threshold ? run + 1 : 0;
    if (run >= minTicks) return i;
  }
  return -1;
}

/**
 * The highest level the scores stay above for `minTicks` ticks in a row: the episode raises a
 * request at any threshold below it (the help monitor's rule: `minTicks` consecutive ticks above).
 * -Infinity when the episode is shorter than `minTicks`; non-finite scores never count as above.
 */
export function sustainedPeak(scores: ArrayLike<number>, minTicks: number): number {
  let best = -Infinity;
  for (let i = 0; i + minTicks <= scores.length; i++) {
    let low = Infinity;
    for (let j = i; j < i + minTicks && low > best; j++) low = Math.min(low, Number.isFinite(scores[j]) ? scores[j] : -Infinity);
    if (low > best) best = low;
  }
  return best;
}

/**
 * The lowest threshold at which at most `episodeRate` of the successful rollouts raise a request:
 * the successful episodes' sustained peaks, highest first, and the one after the allowed count.
 * Needs at least one successful rollout.
 */
export function calibrateOnRollouts(
  traces: readonly RolloutTrace[],
  o: { episodeRate: number; minTicks: number; task: string; seedBase: number; stepThreshold: number },
): { threshold: number; calibration: RolloutCalibration } {
  if (!(o.episodeRate >= 0 && o.episodeRate <= 1)) throw new Error(`episodeRate must be in [0, 1], got ${o.episodeRate}`);
  const peaks = traces.map((t) => ({ failed: t.failed, peak: sustainedPeak(t.scores, o.minTicks) }));
  const ok = peaks.filter((p) => !p.failed).map((p) => p.peak).sort((a, b) => b - a);
  if (ok.length === 0) throw new Error(`none of the ${traces.length} rollouts succeeded: nothing to calibrate a help threshold on`);
  const allowed = Math.floor(o.episodeRate * ok.length);
  // a threshold equal to a peak does not raise on it (the monitor needs scores strictly above)
  const threshold = Math.max(0, allowed < ok.length ? ok[allowed] : 0);
  const flagged = (failed: boolean, t = threshold) => peaks.filter((p) => p.failed === failed && p.peak > t).length;
  return {
    threshold,
    calibration: {
      episodeRate: o.episodeRate, minTicks: o.minTicks, task: o.task, seedBase: o.seedBase, episodes: traces.length,
      successes: ok.length, flaggedSuccesses: flagged(false), failures: traces.length - ok.length, flaggedFailures: flagged(true),
      stepThreshold: o.stepThreshold, stepFlaggedSuccesses: flagged(false, o.stepThreshold), stepFlaggedFailures: flagged(true, o.stepThreshold),
      ...raiseSteps(traces.filter((t) => t.failed).map((t) => firstRaise(t.scores, threshold, o.minTicks)).filter((s) => s >= 0)),
    },
  };
}

function raiseSteps(steps: number[]): { failureFirstRaise?: RolloutCalibration['failureFirstRaise'] } {
  if (steps.length === 0) return {};
  const s = steps.sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { failureFirstRaise: { mean: s.reduce((a, b) => a + b, 0) / s.length, median, min: s[0], max: s[s.length - 1] } };
}

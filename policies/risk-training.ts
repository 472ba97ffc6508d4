import { Adam } from './adam.ts';
import { SeededRandom } from '../core/seeded-random.ts';
import { adamEpoch, MlpGradient, paramLayout } from './mlp-gradient.ts';
import { glorotWeights } from './mlp-policy.ts';
import { normalizeInputs, type Normalization } from './normalization.ts';
import { calibrateOnRollouts, sustainedPeak, type RolloutTrace } from './rollout-calibration.ts';
import { HELP_RISK_FILE, riskArchitecture, riskNormalization, RiskScorer, type RiskHelp } from './risk-model.ts';

export interface RiskFitOptions {
  /** hidden ReLU layers (default 32, 32: a few hundred episodes of one policy are little data) */
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

const FIT_DEFAULTS = { hidden: [32, 32], epochs: 20, batchSize: 256, learningRate: 1e-3, seed: 0 };

/**
 * Fits the failure-risk MLP on `n` rows of raw inputs (`x`, normalized here with `norm`: the
 * policy's input normalization, and the clock's for a model with `time`) labelled 1 (the episode
 * failed) or 0: the trainer's weighted MSE on the
 * tanh output against +1 / -1 (the MLP trainer of policies/mlp-gradient.ts and Adam), so the
 * output estimates 2p - 1. Returns the parameters, flat (W0, b0, W1, b1, ...).
 */
export function fitRiskModel(x: Float32Array, failed: ArrayLike<number>, norm: Pick<Normalization, 'inputMean' | 'inputStd'>, opts: RiskFitOptions = {}): Float32Array {
  const o = { ...FIT_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof FIT_DEFAULTS;
  const d = norm.inputMean.length;
  const n = failed.length;
  if (n < 1 || x.length !== n * d) throw new Error(`fitRiskModel: ${x.length} features are not ${n} rows of ${d}`);
  const arch = riskArchitecture(d, o.hidden);
  const layout = paramLayout(arch);
  const rng = new SeededRandom(o.seed);
  // initialized as a policy is (MlpPolicy.init), from the same generator that then shuffles
  const params = new Float32Array(layout.size);
  glorotWeights(arch, rng).forEach((w, i) => params.set(w, layout.offsets[i]));
  const y = Float32Array.from({ length: n }, (_, i) => (failed[i] ? 1 : -1));
  const gradient = new MlpGradient(arch, { x: normalizeInputs({ ...norm, outputOffset: [], outputScale: [] }, x, n), y, w: new Float32Array(n).fill(1), inputDim: d, outputDim: 1 });
  const adam = new Adam(layout.size, { learningRate: o.learningRate });
  const grad = new Float32Array(layout.size);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) adamEpoch(gradient, adam, params, grad, order, o.batchSize, rng);
  return params;
}

export interface RiskCalibrationOptions extends RiskFitOptions {
  /** share of successful rollouts allowed to raise a request */
  episodeRate: number;
  minTicks: number;
  task: string;
  seedBase: number;
  /** folds of the cross-fitting (default 3): each rollout is scored by a model that did not train on it */
  folds?: number;
  /** whether the model also reads the observation's clock `t` (every trace then needs its `times`) */
  time?: boolean;
  /** MLPs fitted from seeds seed, seed + 1, ... and averaged (default 1) */
  members?: number;
  /**
   * Ticks: a failed rollout's tick counts as failing only from this many ticks before its first
   * visible failure sign on (`firstSign`; without one, before its last tick); absent, every tick
   * of a failed rollout does. Every failed trace then needs its `firstSign`.
   */
  horizon?: number;
}

/**
 * Trains the risk model on the rollouts and sets its threshold on rollouts it did not train on,
 * by cross-fitting: the rollouts are dealt into `folds` folds by episode (failed and successful
 * apart, so every fold gets its share of the few failures); each fold is scored by a model
 * fitted on the other folds, and the threshold is the lowest at which at most `episodeRate` of
 * the successful rollouts, so scored, raise a request (calibrateOnRollouts). The model stored is
 * then fitted on all of them. Every tick of a rollout carries its episode's outcome; every trace
 * needs its features (and its times, with `time`).
 */
export function calibrateRiskOnRollouts(traces: readonly RolloutTrace[], norm: Pick<Normalization, 'inputMean' | 'inputStd'>, o: RiskCalibrationOptions): { model: RiskHelp; weights: Float32Array } {
  const d = norm.inputMean.length;
  for (const t of traces) {
    if (!t.features || t.features.length !== t.scores.length * d) throw new Error(`a rollout of ${t.scores.length} ticks has ${t.features?.length ?? 'no'} features, not ${d} per tick: the failure-risk model learns from them`);
    if (o.time && t.times?.length !== t.scores.length) throw new Error(`a rollout of ${t.scores.length} ticks has ${t.times?.length ?? 'no'} times: a failure-risk model with the clock input learns from them`);
    if (o.horizon !== undefined && t.failed && t.firstSign === undefined) throw new Error('a failed rollout has no firstSign: a failure-risk model with a horizon places the failure there');
  }
  const folds = o.folds ?? 3;
  const fold = dealFolds(traces, folds, o.seed ?? 0);
  const members = o.members ?? 1;
  const shape = { dim: d, hidden: o.hidden ?? FIT_DEFAULTS.hidden, ...(members > 1 ? { members } : {}), ...(o.time ? { time: clockNormalization(traces) } : {}) };
  let sq = 0;
  let steps = 0;
  const scored: RolloutTrace[] = traces.map((t) => ({ failed: t.failed, corrected: t.corrected, scores: new Float64Array(t.scores.length) }));
  for (let k = 0; k < folds; k++) {
    const train = traces.filter((_, i) => fold[i] !== k);
    if (!train.some((t) => t.failed) || !train.some((t) => !t.failed)) {
      throw new Error(`the failure-risk model needs failed and successful rollouts to learn from in every fold: ${traces.filter((t) => t.failed).length} of ${traces.length} failed`);
    }
    const scorer = new RiskScorer({ threshold: 0, ...shape }, fitMembers(finiteRows(train, d, !!o.time, o.horizon), norm, shape, o), norm);
    traces.forEach((t, i) => {
      if (fold[i] !== k) return;
      const out = scored[i].scores as Float64Array;
      for (let r = 0; r < out.length; r++) {
        // a row left out of training (NaN: no observation, or before a corrected rollout's hand-back) raises nothing
        if (!finiteRow(t, r, d, !!o.time)) {
          out[r] = Number.NaN;
          continue;
        }
        out[r] = scorer.score(t.features!, r * d, t.times?.[r]);
        sq += (out[r] - failingAt(t, r, o.horizon)) ** 2;
        steps++;
      }
    });
  }
  // corrected rollouts train the model; the threshold is the policy-alone rollouts' rule
  const alone = scored.filter((t) => !t.corrected);
  const { threshold, calibration } = calibrateOnRollouts(alone, { episodeRate: o.episodeRate, minTicks: o.minTicks, task: o.task, seedBase: o.seedBase, stepThreshold: 0.5 });
  const all = finiteRows(traces, d, !!o.time, o.horizon);
  const weights = fitMembers(all, norm, shape, o);
  const corrected = correctedSummary(scored.filter((t) => t.corrected), Math.min(1, threshold), o.minTicks);
  return {
    model: {
      method: 'failure-risk', file: HELP_RISK_FILE, ...shape, hidden: [...shape.hidden], threshold: Math.min(1, threshold),
      training: {
        episodes: alone.length, failures: alone.filter((t) => t.failed).length, steps: all.failed.length, epochs: o.epochs ?? FIT_DEFAULTS.epochs, seed: o.seed ?? 0, folds, heldOutBrier: steps ? sq / steps : 0,
        ...(o.horizon !== undefined ? { horizonTicks: o.horizon } : {}),
        ...(corrected ? { corrected } : {}),
      },
      rollouts: calibration,
    },
    weights,
  };
}

/** The corrected rollouts' count, failures, and how many of each raise at the threshold on out-of-fold scores (after the hand-back: their only finite ones). */
function correctedSummary(scored: readonly RolloutTrace[], threshold: number, minTicks: number): NonNullable<RiskHelp['training']['corrected']> | null {
  if (scored.length === 0) return null;
  const raises = (failed: boolean) => scored.filter((t) => t.failed === failed && sustainedPeak(t.scores, minTicks) > threshold).length;
  return { episodes: scored.length, failures: scored.filter((t) => t.failed).length, flaggedSuccesses: raises(false), flaggedFailures: raises(true) };
}

/** The model's MLPs fitted on the rows, seeds seed, seed + 1, ..., one after the other in one array. */
function fitMembers(rows: { x: Float32Array; failed: Uint8Array }, norm: Pick<Normalization, 'inputMean' | 'inputStd'>, shape: Pick<RiskHelp, 'time' | 'members'>, o: RiskCalibrationOptions): Float32Array {
  const inputs = riskNormalization(norm, shape.time);
  const fits = Array.from({ length: shape.members ?? 1 }, (_, k) => fitRiskModel(rows.x, rows.failed, inputs, { ...o, seed: (o.seed ?? 0) + k }));
  const out = new Float32Array(fits.reduce((s, f) => s + f.length, 0));
  fits.forEach((f, k) => out.set(f, k * f.length));
  return out;
}

/** The clock input's normalization: mean and standard deviation of the rollouts' finite times. */
function clockNormalization(traces: readonly RolloutTrace[]): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const t of traces) {
    for (const v of t.times!) {
      if (!Number.isFinite(v)) continue;
      n++;
      sum += v;
      sq += v * v;
    }
  }
  const mean = n ? sum / n : 0;
  return { mean, std: Math.sqrt(Math.max(0, sq / Math.max(1, n) - mean * mean)) || 1 };
}

/** foldsOf the policy-alone rollouts, then of the corrected ones apart: corrected rollouts leave the others' folds as they were without them. */
function dealFolds(traces: readonly RolloutTrace[], folds: number, seed: number): Int32Array {
  const fold = new Int32Array(traces.length);
  for (const corrected of [false, true]) {
    const idx = traces.flatMap((t, i) => (!!t.corrected === corrected ? [i] : []));
    const f = foldsOf(idx.map((i) => traces[i]), folds, seed);
    idx.forEach((i, k) => (fold[i] = f[k]));
  }
  return fold;
}

/** Seeded fold of each rollout (0 .. folds - 1), dealt round-robin over the failed and the successful rollouts apart. */
export function foldsOf(traces: readonly RolloutTrace[], folds: number, seed: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`cross-fitting needs at least 2 folds, got ${folds}`);
  const rng = new SeededRandom(seed);
  const fold = new Int32Array(traces.length);
  let next = 0;
  for (const failed of [true, false]) {
    const group = Int32Array.from(traces.flatMap((t, i) => (t.failed === failed ? [i] : [])));
    for (const i of rng.shuffle(group)) fold[i] = next++ % folds;
  }
  return fold;
}

/** Whether tick `r` of the trace has all its features (and, with `time`, its clock): a row the model learns from and scores. */
function finiteRow(t: RolloutTrace, r: number, d: number, time: boolean): boolean {
  const f = t.features!;
  for (let j = r * d; j < r * d + d; j++) if (!Number.isFinite(f[j])) return false;
  return !time || Number.isFinite(t.times![r]);
}

/** Tick `r`'s label: 1 in a failed rollout (with a horizon, only from `horizon` ticks before its first visible failure sign on), else 0. */
function failingAt(t: RolloutTrace, r: number, horizon: number | undefined): number {
  if (!t.failed) return 0;
  if (horizon === undefined) return 1;
  const sign = t.firstSign! >= 0 ? t.firstSign! : t.scores.length - 1;
  return r >= sign - horizon ? 1 : 0;
}

/** The rollouts' ticks as training rows (features, then the time with `time`) with their labels, leaving out ticks with a non-finite input (no observation, or before a corrected rollout's hand-back). */
function finiteRows(traces: readonly RolloutTrace[], d: number, time = false, horizon?: number): { x: Float32Array; failed: Uint8Array } {
  const x: number[] = [];
  const failed: number[] = [];
  for (const t of traces) {
    const f = t.features!;
    for (let r = 0; r < t.scores.length; r++) {
      if (!finiteRow(t, r, d, time)) continue;
      for (const v of f.subarray(r * d, r * d + d)) x.push(v);
      if (time) x.push(t.times![r]);
      failed.push(failingAt(t, r, horizon));
    }
  }
  return { x: Float32Array.from(x), failed: Uint8Array.from(failed) };
}

import { Type, type Static } from '@sinclair/typebox';
import { SeededRandom } from '../core/seeded-random.ts';
import { EnsembleScorer, fitEnsemble, type EnsembleShape } from './ensemble-heads.ts';
import { normalizeInputs, normalizeOutputs, type Normalization } from './normalization.ts';
import { RolloutCalibrationSchema } from './rollout-calibration.ts';
import { RiskHelpSchema } from './risk-model.ts';

/** Which scores of a version raise help requests (policy.json `help.raise`, `takeover train --help-score`). */
export const HELP_SCORE_CHOICES = ['novelty', 'ensemble', 'both', 'risk', 'risk-or-ensemble'] as const;
export type HelpScoreChoice = (typeof HELP_SCORE_CHOICES)[number];
export const HelpScoreChoiceSchema = Type.Union(HELP_SCORE_CHOICES.map((c) => Type.Literal(c)));

/** Whether a choice raises on the failure-risk model, which is learned from the candidate's own rollouts. */
export function raisesOnRisk(choice: HelpScoreChoice | undefined): boolean {
  return choice === 'risk' || choice === 'risk-or-ensemble';
}

export const HELP_STATES_FILE = 'help-states.bin';
export const HELP_HEADS_FILE = 'help-heads.bin';

/**
 * The second estimate beside the novelty (policy.json `help.ensemble`, optional, so versions
 * stored before it still load): `heads` small heads fitted together on the training rows (each its
 * own random ReLU layer of `hidden` units and bootstrap resample, policies/ensemble-heads.ts) to
 * predict the normalized action; the score is the RMS over actions of the heads' spread.
 * `file` holds the heads' weights (float32, little-endian). `threshold` is calibrated on the
 * held-out episodes exactly as the novelty's is.
 */
export const EnsembleHelpSchema = Type.Object(
  {
    method: Type.Literal('ensemble-disagreement'),
    file: Type.String(),
    heads: Type.Integer({ minimum: 2 }),
    hidden: Type.Integer({ minimum: 1 }),
    dim: Type.Integer({ minimum: 1 }),
    outputDim: Type.Integer({ minimum: 1 }),
    rate: Type.Number({ minimum: 0, maximum: 1 }),
    threshold: Type.Number({ minimum: 0 }),
    heldOutSteps: Type.Integer({ minimum: 1 }),
    heldOutAbove: Type.Integer({ minimum: 0 }),
    /** present when `threshold` was set on the version's own rollouts instead (policies/rollout-calibration.ts) */
    rollouts: Type.Optional(RolloutCalibrationSchema),
  },
  { $id: 'takeover/EnsembleHelp' },
);
export type EnsembleHelp = Static<typeof EnsembleHelpSchema>;

/**
 * How a version tells it is unsure (policy.json `help`, optional): the novelty of the current
 * observation against the states it was trained on. The score is the RMS distance per input, in
 * the version's normalized input space, to the nearest of `states` stored training states
 * (`file`: float32 rows, little-endian, already normalized). `threshold` was calibrated on the
 * held-out (validation) episodes so that at most `rate` of their steps score above it.
 */
export const HelpModelSchema = Type.Object(
  {
    method: Type.Literal('nearest-training-state'),
    file: Type.String(),
    states: Type.Integer({ minimum: 1 }),
    dim: Type.Integer({ minimum: 1 }),
    /** the share of held-out steps allowed above the threshold (the configured help rate) */
    rate: Type.Number({ minimum: 0, maximum: 1 }),
    threshold: Type.Number({ minimum: 0 }),
    heldOutSteps: Type.Integer({ minimum: 1 }),
    /** held-out steps that scored above the threshold (at most rate * heldOutSteps) */
    heldOutAbove: Type.Integer({ minimum: 0 }),
    /** present when `threshold` was set on the version's own rollouts instead (policies/rollout-calibration.ts) */
    rollouts: Type.Optional(RolloutCalibrationSchema),
    /** the ensemble-disagreement estimate, when the version was calibrated with one */
    ensemble: Type.Optional(EnsembleHelpSchema),
    /** the learned risk of failure, when the version was trained with one on its own rollouts (policies/risk-model.ts) */
    risk: Type.Optional(RiskHelpSchema),
    /**
     * which scores raise a help request (the training request's `helpScore`); absent: 'both' with
     * an ensemble, else 'novelty'. The novelty is scored and recorded either way, and so are the
     * ensemble and the risk when the version has them.
     */
    raise: Type.Optional(HelpScoreChoiceSchema),
  },
  { $id: 'takeover/HelpModel' },
);
export type HelpModel = Static<typeof HelpModelSchema>;

/** The scores a help model raises requests on, with the default for models stored without `raise`. */
export function raisingScores(help: HelpModel): { novelty: boolean; ensemble: boolean; risk: boolean } {
  const raise: HelpScoreChoice = help.raise ?? (help.ensemble ? 'both' : 'novelty');
  if (raisesOnRisk(raise)) {
    if (!help.risk) throw new Error(`help model raises on '${raise}' but has no failure-risk model`);
    if (raise === 'risk-or-ensemble' && !help.ensemble) throw new Error("help model raises on 'risk-or-ensemble' but has no ensemble");
    return { novelty: false, ensemble: raise === 'risk-or-ensemble', risk: true };
  }
  if (raise !== 'novelty' && !help.ensemble) throw new Error(`help model raises on '${raise}' but has no ensemble`);
  return { novelty: raise !== 'ensemble', ensemble: raise !== 'novelty', risk: false };
}

/** Per-tick novelty scorer of one version: no allocation per call. */
export class NoveltyScorer {
  readonly threshold: number;
  readonly #states: Float32Array;
  readonly #dim: number;
  readonly #count: number;
  readonly #norm: Normalization;
  readonly #z: Float32Array;

  constructor(model: Pick<HelpModel, 'threshold' | 'dim'>, states: Float32Array, norm: Normalization) {
    if (norm.inputMean.length !== model.dim) throw new Error(`help model is for ${model.dim} inputs, the policy has ${norm.inputMean.length}`);
    if (states.length === 0 || states.length % model.dim !== 0) throw new Error(`help states hold ${states.length} numbers, not a whole number of ${model.dim}-input rows`);
    this.threshold = model.threshold;
    this.#states = states;
    this.#dim = model.dim;
    this.#count = states.length / model.dim;
    this.#norm = norm;
    this.#z = new Float32Array(model.dim);
  }

  /** Novelty of one raw feature row (at `offset` in `features`). */
  score(features: Float32Array, offset = 0): number {
    const d = this.#dim;
    const z = this.#z;
    const { inputMean, inputStd } = this.#norm;
    for (let j = 0; j < d; j++) z[j] = (features[offset + j] - inputMean[j]) / inputStd[j];
    return nearestDistance(z, 0, this.#states, this.#count, d);
  }
}

/** RMS-per-input distance of row `z` (at `zo`) to the nearest of `count` rows in `states`. */
export function nearestDistance(z: Float32Array, zo: number, states: Float32Array, count: number, d: number): number {
  let best = Infinity;
  for (let r = 0; r < count; r++) {
    const so = r * d;
    let s = 0;
    // stop early once this row cannot beat the best (most rows are far)
    for (let j = 0; j < d && s < best; j++) {
      const v = z[zo + j] - states[so + j];
      s += v * v;
    }
    if (s < best) best = s;
  }
  return Math.sqrt(best / d);
}

export interface HelpCalibrationOptions {
  /** share of held-out steps allowed to ask for help (default 0.02) */
  rate?: number;
  /** most training states stored with the version (default 1024; a uniform seeded sample) */
  maxStates?: number;
  seed?: number;
}

/** A calibrated help model and its states (normalized rows), ready to store with a version. */
export interface HelpCalibration {
  model: HelpModel;
  states: Float32Array;
}

/**
 * Samples training states and sets the threshold on held-out rows: the smallest value with at
 * most floor(rate * n) held-out scores above it. Rows are raw features (`dim` each).
 */
export function calibrateHelp(train: Float32Array, heldOut: Float32Array, norm: Normalization, opts: HelpCalibrationOptions = {}): HelpCalibration {
  const rate = opts.rate ?? 0.02;
  if (!(rate >= 0 && rate < 1)) throw new Error(`help rate must be in [0, 1), got ${rate}`);
  const d = norm.inputMean.length;
  const nTrain = train.length / d;
  const nHeld = heldOut.length / d;
  if (!Number.isInteger(nTrain) || nTrain < 1) throw new Error(`calibrateHelp: ${train.length} training numbers are not whole ${d}-input rows`);
  if (!Number.isInteger(nHeld) || nHeld < 1) throw new Error('calibrateHelp: needs at least one held-out step (train on two or more episodes)');
  const k = Math.min(nTrain, opts.maxStates ?? 1024);
  const rng = new SeededRandom(opts.seed ?? 0);
  const order = rng.shuffle(Int32Array.from({ length: nTrain }, (_, i) => i));
  const picked = new Float32Array(k * d);
  for (let i = 0; i < k; i++) picked.set(train.subarray(order[i] * d, order[i] * d + d), i * d);
  const states = normalizeInputs(norm, picked, k, new Float32Array(k * d));
  const z = normalizeInputs(norm, heldOut, nHeld);
  const scores = new Float64Array(nHeld);
  for (let i = 0; i < nHeld; i++) scores[i] = nearestDistance(z, i * d, states, k, d);
  const { threshold, above } = calibratedThreshold(scores, rate);
  return {
    model: { method: 'nearest-training-state', file: HELP_STATES_FILE, states: k, dim: d, rate, threshold, heldOutSteps: nHeld, heldOutAbove: above },
    states,
  };
}

/** The smallest threshold with at most floor(rate * n) of `scores` strictly above it. */
export function calibratedThreshold(scores: Float64Array, rate: number): { threshold: number; above: number } {
  const n = scores.length;
  const sorted = Float64Array.from(scores).sort();
  const allowed = Math.floor(rate * n);
  // the (allowed+1)-th largest score: strictly above it are at most `allowed` steps
  const threshold = sorted[n - 1 - allowed];
  let above = 0;
  for (const s of scores) if (s > threshold) above++;
  return { threshold, above };
}

export interface EnsembleCalibrationOptions {
  /** share of held-out steps allowed to ask for help (default 0.02) */
  rate?: number;
  /** heads in the ensemble (default 5) */
  heads?: number;
  /** random ReLU units per head (default 32) */
  hidden?: number;
  seed?: number;
}

/**
 * Fits the ensemble on the training rows (raw features and actions, normalized here with the
 * version's normalization) and calibrates its threshold on the held-out rows as calibrateHelp does.
 */
export function calibrateEnsemble(trainX: Float32Array, trainY: Float32Array, heldOut: Float32Array, norm: Normalization, opts: EnsembleCalibrationOptions = {}): { model: EnsembleHelp; weights: Float32Array } {
  const rate = opts.rate ?? 0.02;
  if (!(rate >= 0 && rate < 1)) throw new Error(`help rate must be in [0, 1), got ${rate}`);
  const d = norm.inputMean.length;
  const o = norm.outputOffset.length;
  const n = trainX.length / d;
  const nHeld = heldOut.length / d;
  if (!Number.isInteger(n) || n < 1 || trainY.length !== n * o) throw new Error(`calibrateEnsemble: ${trainX.length} inputs and ${trainY.length} actions are not whole rows of ${d} and ${o}`);
  if (!Number.isInteger(nHeld) || nHeld < 1) throw new Error('calibrateEnsemble: needs at least one held-out step (train on two or more episodes)');
  const shape: EnsembleShape = { heads: opts.heads ?? 5, hidden: opts.hidden ?? 32, inputDim: d, outputDim: o };
  const weights = fitEnsemble(normalizeInputs(norm, trainX, n), normalizeOutputs(norm, trainY, n), n, shape, { seed: opts.seed ?? 0 });
  const scorer = new EnsembleScorer(shape, weights);
  const z = normalizeInputs(norm, heldOut, nHeld);
  const scores = new Float64Array(nHeld);
  for (let i = 0; i < nHeld; i++) scores[i] = scorer.score(z, i * d);
  const { threshold, above } = calibratedThreshold(scores, rate);
  return {
    model: { method: 'ensemble-disagreement', file: HELP_HEADS_FILE, heads: shape.heads, hidden: shape.hidden, dim: d, outputDim: o, rate, threshold, heldOutSteps: nHeld, heldOutAbove: above },
    weights,
  };
}

/** Per-tick ensemble disagreement of one version on raw features: no allocation per call. */
export class DisagreementScorer {
  readonly threshold: number;
  readonly #scorer: EnsembleScorer;
  readonly #norm: Normalization;
  readonly #z: Float32Array;

  constructor(model: Pick<EnsembleHelp, 'threshold' | 'dim' | 'heads' | 'hidden' | 'outputDim'>, weights: Float32Array, norm: Normalization) {
    if (norm.inputMean.length !== model.dim) throw new Error(`help ensemble is for ${model.dim} inputs, the policy has ${norm.inputMean.length}`);
    this.threshold = model.threshold;
    this.#scorer = new EnsembleScorer({ heads: model.heads, hidden: model.hidden, inputDim: model.dim, outputDim: model.outputDim }, weights);
    this.#norm = norm;
    this.#z = new Float32Array(model.dim);
  }

  /** Disagreement of the heads on one raw feature row (at `offset` in `features`). */
  score(features: Float32Array, offset = 0): number {
    const { inputMean, inputStd } = this.#norm;
    for (let j = 0; j < this.#z.length; j++) this.#z[j] = (features[offset + j] - inputMean[j]) / inputStd[j];
    return this.#scorer.score(this.#z, 0);
  }
}

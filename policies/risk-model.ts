import { Type, type Static } from '@sinclair/typebox';
import { JsMlpForward } from './js-mlp-forward.ts';
import { paramLayout, paramViews } from './mlp-gradient.ts';
import type { MlpArchitecture } from './mlp-policy.ts';
import type { Normalization } from './normalization.ts';
import { RolloutCalibrationSchema } from './rollout-calibration.ts';

export const HELP_RISK_FILE = 'help-risk.bin';

/**
 * A learned risk of failure (policy.json `help.risk`, optional; ThriftyDAgger's risk estimate):
 * a small MLP from the policy's observation features, normalized with the policy's own input
 * normalization, and with `time` also the observation's clock `t` (seconds since the episode
 * reset), to the probability that the policy's episode fails from this state. It is fitted
 * on the version's own rollouts, every tick labelled with its episode's outcome (with
 * `training.horizonTicks`, a failed episode's ticks only from that many before its first visible
 * failure sign; docs/training.md "Help model"), and its threshold is set by the episode-level rule of
 * policies/rollout-calibration.ts on scores of rollouts the scoring model did not train on
 * (cross-fitting; `rollouts`, whose `stepThreshold` is 0.5, even odds). With `members` > 1 it is
 * that many MLPs fitted from different seeds, the risk their mean. `file` holds the MLPs'
 * parameters one after the other (float32, little-endian, W0, b0, W1, b1, ...).
 */
export const RiskHelpSchema = Type.Object(
  {
    method: Type.Literal('failure-risk'),
    file: Type.String(),
    dim: Type.Integer({ minimum: 1 }),
    hidden: Type.Array(Type.Integer({ minimum: 1, maximum: 1024 }), { maxItems: 4 }),
    threshold: Type.Number({ minimum: 0, maximum: 1 }),
    /** the clock input's normalization, (t - mean) / std, when the model reads `t` (absent: features only) */
    time: Type.Optional(Type.Object({ mean: Type.Number(), std: Type.Number({ exclusiveMinimum: 0 }) })),
    /** MLPs averaged (absent: 1) */
    members: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    /** how the rollouts were used (all train the stored model; `folds` models calibrate it) */
    training: Type.Object({
      episodes: Type.Integer({ minimum: 1 }),
      failures: Type.Integer({ minimum: 0 }),
      steps: Type.Integer({ minimum: 1 }),
      epochs: Type.Integer({ minimum: 1 }),
      seed: Type.Integer(),
      /** folds of the cross-fitting that scored each rollout with a model not trained on it */
      folds: Type.Integer({ minimum: 2 }),
      /** mean squared error of those out-of-fold probabilities against the ticks' outcomes */
      heldOutBrier: Type.Number({ minimum: 0 }),
      /** a failed rollout's ticks counted as failing only from this many ticks before its first visible failure sign (absent: all of them) */
      horizonTicks: Type.Optional(Type.Integer({ minimum: 0 })),
      /**
       * rollouts an operator corrected once, trained on from their hand-back (`episodes` and
       * `failures` above count the policy-alone ones, which alone set the threshold); how many
       * raise after the hand-back at the threshold, scored out of fold
       */
      corrected: Type.Optional(Type.Object({
        episodes: Type.Integer({ minimum: 1 }),
        failures: Type.Integer({ minimum: 0 }),
        flaggedSuccesses: Type.Integer({ minimum: 0 }),
        flaggedFailures: Type.Integer({ minimum: 0 }),
      })),
    }),
    rollouts: RolloutCalibrationSchema,
  },
  { $id: 'takeover/RiskHelp' },
);
export type RiskHelp = Static<typeof RiskHelpSchema>;

/** What shapes a risk model: the policy's feature count, its hidden layers, the clock input, the MLPs averaged. */
export type RiskShape = Pick<RiskHelp, 'dim' | 'hidden' | 'time' | 'members'>;

/** The risk MLP's shape: the policy's inputs (and the clock, with `time`), `hidden` ReLU layers, one tanh output. */
export function riskArchitecture(dim: number, hidden: readonly number[], time = false): MlpArchitecture {
  return { kind: 'mlp', inputDim: dim + (time ? 1 : 0), hidden: [...hidden], outputDim: 1 };
}

/** How many float32 values a risk model's file holds (all its MLPs). */
export function riskWeightCount(risk: RiskShape): number {
  return (risk.members ?? 1) * paramLayout(riskArchitecture(risk.dim, risk.hidden, !!risk.time)).size;
}

/**
 * The MLP's normalization: the policy's inputs, then the clock's (with `time`); the output maps
 * the tanh output y to a probability 0.5 + 0.5 y: the trainer's loss then fits y to +1 (failed)
 * and -1 (succeeded), whose mean is 2p - 1.
 */
export function riskNormalization(policyNorm: Pick<Normalization, 'inputMean' | 'inputStd'>, time?: RiskHelp['time']): Normalization {
  return {
    inputMean: time ? [...policyNorm.inputMean, time.mean] : policyNorm.inputMean,
    inputStd: time ? [...policyNorm.inputStd, time.std] : policyNorm.inputStd,
    outputOffset: [0.5], outputScale: [0.5],
  };
}

/** Per-tick failure risk of one version on raw features: a plain JS forward pass per MLP, no allocation per call. */
export class RiskScorer {
  readonly threshold: number;
  readonly #forwards: JsMlpForward[];
  readonly #out = new Float32Array(1);
  readonly #x: Float32Array;
  readonly #dim: number;

  constructor(model: Pick<RiskHelp, 'threshold'> & RiskShape, weights: Float32Array, norm: Pick<Normalization, 'inputMean' | 'inputStd'>) {
    if (norm.inputMean.length !== model.dim) throw new Error(`failure-risk model is for ${model.dim} inputs, the policy has ${norm.inputMean.length}`);
    const arch = riskArchitecture(model.dim, model.hidden, !!model.time);
    const layout = paramLayout(arch);
    const members = model.members ?? 1;
    if (weights.length !== members * layout.size) throw new Error(`failure-risk model of ${members} x hidden ${model.hidden.join(',')} needs ${members * layout.size} weights, got ${weights.length}`);
    this.threshold = model.threshold;
    this.#dim = model.dim;
    this.#x = new Float32Array(arch.inputDim);
    const n = riskNormalization(norm, model.time);
    this.#forwards = Array.from({ length: members }, (_, k) => new JsMlpForward(arch, n, paramViews(layout, weights.subarray(k * layout.size, (k + 1) * layout.size))));
  }

  /** The probability of failure from one raw feature row (at `offset` in `features`) at `t` seconds into the episode (read by models with `time`). */
  score(features: Float32Array, offset = 0, t = Number.NaN): number {
    const x = this.#x;
    for (let j = 0; j < this.#dim; j++) x[j] = features[offset + j];
    if (x.length > this.#dim) x[this.#dim] = t;
    const forwards = this.#forwards;
    let sum = 0;
    // an indexed loop: this runs every tick of every robot
    for (let k = 0; k < forwards.length; k++) {
      forwards[k].predictInto(x, 1, this.#out);
      sum += this.#out[0];
    }
    return sum / forwards.length;
  }
}

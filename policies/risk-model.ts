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
 * normalization, to the probability that the policy's episode fails from this state. It is fitted
 * on the version's own rollouts, every tick labelled with its episode's outcome
 * (docs/training.md "Help model"), and its threshold is set by the episode-level rule of
 * policies/rollout-calibration.ts on scores of rollouts the scoring model did not train on
 * (cross-fitting; `rollouts`, whose `stepThreshold` is 0.5, even odds). `file` holds the MLP's parameters (float32, little-endian, W0, b0, W1, b1, ...).
 */
export const RiskHelpSchema = Type.Object(
  {
    method: Type.Literal('failure-risk'),
    file: Type.String(),
    dim: Type.Integer({ minimum: 1 }),
    hidden: Type.Array(Type.Integer({ minimum: 1, maximum: 1024 }), { maxItems: 4 }),
    threshold: Type.Number({ minimum: 0, maximum: 1 }),
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
    }),
    rollouts: RolloutCalibrationSchema,
  },
  { $id: 'takeover/RiskHelp' },
);
export type RiskHelp = Static<typeof RiskHelpSchema>;

/** The risk MLP's shape: the policy's inputs, `hidden` ReLU layers, one tanh output. */
export function riskArchitecture(dim: number, hidden: readonly number[]): MlpArchitecture {
  return { kind: 'mlp', inputDim: dim, hidden: [...hidden], outputDim: 1 };
}

/** How many float32 values a risk model's file holds. */
export function riskWeightCount(risk: Pick<RiskHelp, 'dim' | 'hidden'>): number {
  return paramLayout(riskArchitecture(risk.dim, risk.hidden)).size;
}

/**
 * The output normalization that maps the MLP's tanh output y to a probability 0.5 + 0.5 y: the
 * trainer's loss then fits y to +1 (failed) and -1 (succeeded), whose mean is 2p - 1.
 */
export function riskNormalization(policyNorm: Pick<Normalization, 'inputMean' | 'inputStd'>): Normalization {
  return { inputMean: policyNorm.inputMean, inputStd: policyNorm.inputStd, outputOffset: [0.5], outputScale: [0.5] };
}

/** Per-tick failure risk of one version on raw features: a plain JS forward pass, no allocation per call. */
export class RiskScorer {
  readonly threshold: number;
  readonly #forward: JsMlpForward;
  readonly #out = new Float32Array(1);
  readonly #x: Float32Array;

  constructor(model: Pick<RiskHelp, 'threshold' | 'dim' | 'hidden'>, weights: Float32Array, norm: Pick<Normalization, 'inputMean' | 'inputStd'>) {
    if (norm.inputMean.length !== model.dim) throw new Error(`failure-risk model is for ${model.dim} inputs, the policy has ${norm.inputMean.length}`);
    const arch = riskArchitecture(model.dim, model.hidden);
    const layout = paramLayout(arch);
    if (weights.length !== layout.size) throw new Error(`failure-risk model of hidden ${model.hidden.join(',')} needs ${layout.size} weights, got ${weights.length}`);
    this.threshold = model.threshold;
    this.#x = new Float32Array(model.dim);
    this.#forward = new JsMlpForward(arch, riskNormalization(norm), paramViews(layout, weights));
  }

  /** The probability of failure from one raw feature row (at `offset` in `features`). */
  score(features: Float32Array, offset = 0): number {
    const x = this.#x;
    for (let j = 0; j < x.length; j++) x[j] = features[offset + j];
    this.#forward.predictInto(x, 1, this.#out);
    return this.#out[0];
  }
}

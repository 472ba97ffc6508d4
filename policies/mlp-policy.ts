import * as tf from '@tensorflow/tfjs';
import { Type, type Static } from '@sinclair/typebox';
import { denormalizeOutputs, normalizeInputs, type Normalization } from './normalization.ts';
import { SeededRandom } from '../core/seeded-random.ts';

/** Layer sizes of an MLP policy: input -> hidden (ReLU) ... -> output (tanh). */
export const MlpArchitectureSchema = Type.Object(
  {
    kind: Type.Literal('mlp'),
    inputDim: Type.Integer({ minimum: 1 }),
    hidden: Type.Array(Type.Integer({ minimum: 1 })),
    outputDim: Type.Integer({ minimum: 1 }),
  },
  { $id: 'takeover/MlpArchitecture' },
);
export type MlpArchitecture = Static<typeof MlpArchitectureSchema>;

/** Anything that maps a batch of raw feature rows to actions in [-1, 1]. */
export interface PolicyModel {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Writes `count` actions (row-major, outputDim each) for `count` feature rows. */
  predictInto(features: Float32Array, count: number, out: Float32Array): void;
  dispose(): void;
}

/**
 * y = x W + b with explicit transposes in the gradient. tfjs-wasm's matMul with transposeA or
 * transposeB set is ~10x slower than a Transpose followed by a plain matMul (measured 256x256:
 * 14-21 ms against 1.5 ms), and the default matMul gradient uses exactly those flags.
 */
const dense = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      const [sx, sw] = saved as tf.Tensor2D[];
      return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g), tf.sum(g, 0)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** Normalized inputs -> normalized outputs through parameters W0, b0, W1, b1, ... (ReLU hidden, tanh out). */
function mlpForward(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (let l = 0; l < params.length; l += 2) {
    const z = dense(h, params[l] as tf.Tensor2D, params[l + 1] as tf.Tensor1D);
    h = l + 2 < params.length ? tf.relu(z) : tf.tanh(z);
  }
  return h;
}

/**
 * Weighted BC loss: mean over the batch of w_i * (mean squared error of sample i in the
 * normalized action space). A sample with w_i = 0 contributes nothing, value or gradient.
 */
export function weightedMse(params: readonly tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor1D): tf.Scalar {
  const perSample = tf.mean(tf.squaredDifference(mlpForward(params, x), y), 1);
  return tf.mean(tf.mul(perSample, w));
}

/** An MLP policy in tfjs: parameters as variables (W0, b0, W1, b1, ...), normalization alongside. */
export class MlpPolicy implements PolicyModel {
  readonly arch: MlpArchitecture;
  readonly norm: Normalization;
  readonly params: tf.Variable[];
  #scratch = new Float32Array(0);

  private constructor(arch: MlpArchitecture, norm: Normalization, weights: Float32Array[]) {
    const shapes = paramShapes(arch);
    if (weights.length !== shapes.length) throw new Error(`MlpPolicy: ${weights.length} weight arrays for ${shapes.length} parameters`);
    if (norm.inputMean.length !== arch.inputDim || norm.outputOffset.length !== arch.outputDim) {
      throw new Error(`MlpPolicy: normalization is for ${norm.inputMean.length} -> ${norm.outputOffset.length}, model is ${arch.inputDim} -> ${arch.outputDim}`);
    }
    this.arch = arch;
    this.norm = norm;
    this.params = shapes.map((s, i) => {
      const size = s.reduce((a, b) => a * b, 1);
      if (weights[i].length !== size) throw new Error(`MlpPolicy: parameter ${i} has ${weights[i].length} values, shape [${s}] needs ${size}`);
      return tf.variable(tf.tensor(weights[i], s), true, undefined, 'float32');
    });
  }

  get inputDim(): number {
    return this.arch.inputDim;
  }

  get outputDim(): number {
    return this.arch.outputDim;
  }

  /** A fresh policy: Glorot-uniform weights from a seeded generator, zero biases. */
  static init(arch: MlpArchitecture, norm: Normalization, seed: number): MlpPolicy {
    return new MlpPolicy(arch, norm, glorotWeights(arch, new SeededRandom(seed)));
  }

  /** A policy from stored weights (in parameter order W0, b0, W1, b1, ...). */
  static fromWeights(arch: MlpArchitecture, norm: Normalization, weights: Float32Array[]): MlpPolicy {
    return new MlpPolicy(arch, norm, weights);
  }

  /** Normalized inputs -> normalized outputs in (-1, 1). */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return mlpForward(this.params, x);
  }

  /** The weighted BC loss (`weightedMse`) of this policy's parameters. */
  loss(x: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor1D): tf.Scalar {
    return weightedMse(this.params, x, y, w);
  }

  /** Raw feature rows -> clipped actions (normalization applied on both sides). */
  predictInto(features: Float32Array, count: number, out: Float32Array): void {
    const d = this.arch.inputDim;
    if (this.#scratch.length < count * d) this.#scratch = new Float32Array(count * d);
    normalizeInputs(this.norm, features, count, this.#scratch);
    const y = tf.tidy(() => this.forward(tf.tensor2d(this.#scratch.subarray(0, count * d), [count, d])).dataSync());
    denormalizeOutputs(this.norm, y, count, out);
  }

  /** Sets the parameters from copies of arrays in order (W0, b0, W1, b1, ...), e.g. views of a flat vector. */
  load(weights: readonly Float32Array[]): void {
    if (weights.length !== this.params.length) throw new Error(`MlpPolicy.load: ${weights.length} arrays for ${this.params.length} parameters`);
    // copied: the cpu backend keeps the array a tensor is made from, and the caller's vector changes on
    tf.tidy(() => this.params.forEach((v, i) => v.assign(tf.tensor(weights[i].slice(), v.shape))));
  }

  /** Copies of the parameters, in order (W0, b0, W1, b1, ...). */
  weights(): Float32Array[] {
    return this.params.map((v) => v.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  }

  dispose(): void {
    for (const v of this.params) v.dispose();
  }
}

/** Parameter shapes in order: [in, h0], [h0], [h0, h1], [h1], ..., [hk, out], [out]. */
export function paramShapes(arch: MlpArchitecture): number[][] {
  const sizes = [arch.inputDim, ...arch.hidden, arch.outputDim];
  const shapes: number[][] = [];
  for (let i = 0; i + 1 < sizes.length; i++) shapes.push([sizes[i], sizes[i + 1]], [sizes[i + 1]]);
  return shapes;
}

/** Fresh parameters (W0, b0, W1, b1, ...): Glorot-uniform weights drawn from `rng` layer by layer, zero biases. */
export function glorotWeights(arch: MlpArchitecture, rng: SeededRandom): Float32Array[] {
  return paramShapes(arch).map((s) => {
    const a = new Float32Array(s.reduce((x, y) => x * y, 1));
    if (s.length === 2) {
      const limit = Math.sqrt(6 / (s[0] + s[1]));
      for (let i = 0; i < a.length; i++) a[i] = (rng.next() * 2 - 1) * limit;
    }
    return a;
  });
}

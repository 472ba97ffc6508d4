import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.ts';
import type { SeededRandom } from '../core/seeded-random.ts';
import { paramShapes, type MlpArchitecture } from './mlp-policy.ts';

/** Where each parameter (W0, b0, W1, b1, ...) sits in one flat vector. */
export interface ParamLayout {
  shapes: number[][];
  offsets: number[];
  size: number;
}

/** The flat layout of an MLP's parameters. */
export function paramLayout(arch: MlpArchitecture): ParamLayout {
  const shapes = paramShapes(arch);
  const offsets: number[] = [];
  let size = 0;
  for (const s of shapes) {
    offsets.push(size);
    size += s.reduce((a, b) => a * b, 1);
  }
  return { shapes, offsets, size };
}

/** The parameter arrays (W0, b0, ...) as views into one flat vector. */
export function paramViews(layout: ParamLayout, flat: Float32Array): Float32Array[] {
  return layout.shapes.map((s, i) => flat.subarray(layout.offsets[i], layout.offsets[i] + s.reduce((a, b) => a * b, 1)));
}

/** Normalized training rows: inputs, targets and weights, row-major. */
export interface TrainingRows {
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  inputDim: number;
  outputDim: number;
}

/**
 * The gradient of the weighted loss (`weightedMse`) over some rows at given parameters, on this
 * thread's tfjs backend, back-propagated by hand: no tape, no gradient for the input rows, and
 * the weights' transposes made in JS (tfjs-wasm's Transpose is slow next to a plain matMul, and
 * its matMul with transpose flags slower still).
 */
export class MlpGradient {
  readonly #layout: ParamLayout;
  readonly #data: TrainingRows;
  #xs = new Float32Array(0);
  #xt = new Float32Array(0);
  #ys = new Float32Array(0);
  #ws = new Float32Array(0);
  readonly #wt: Float32Array[];

  constructor(arch: MlpArchitecture, data: TrainingRows) {
    this.#layout = paramLayout(arch);
    this.#data = data;
    // W^T of every layer but the first (the input rows need no gradient), by parameter index
    this.#wt = this.#layout.shapes.map((s, i) => new Float32Array(s.length === 2 && i > 0 ? s[0] * s[1] : 0));
  }

  /** Writes d loss / d params over `rows` into `out` (the flat layout) and returns the loss. */
  compute(params: Float32Array, rows: Int32Array, out: Float32Array): number {
    const { x, y, w, inputDim: d, outputDim: a } = this.#data;
    const k = rows.length;
    if (this.#ws.length < k) [this.#xs, this.#xt, this.#ys, this.#ws] = [new Float32Array(k * d), new Float32Array(k * d), new Float32Array(k * a), new Float32Array(k)];
    const scale = 2 / (k * a); // d(mean over rows and outputs of w * err^2) / d err
    for (let i = 0; i < k; i++) {
      const r = rows[i];
      this.#xs.set(x.subarray(r * d, r * d + d), i * d);
      for (let j = 0; j < d; j++) this.#xt[j * k + i] = x[r * d + j];
      this.#ys.set(y.subarray(r * a, r * a + a), i * a);
      this.#ws[i] = w[r];
    }
    const { shapes, offsets } = this.#layout;
    const views = paramViews(this.#layout, params);
    const layers = shapes.length / 2;
    for (let l = 1; l < layers; l++) transposeInto(views[2 * l], shapes[2 * l][0], shapes[2 * l][1], this.#wt[2 * l]);
    // the tensors live only inside this call, so views of the caller's vectors need no copy
    return tf.tidy(() => {
      const hs: tf.Tensor2D[] = [tf.tensor2d(this.#xs.subarray(0, k * d), [k, d])];
      let yp: tf.Tensor2D = hs[0];
      for (let l = 0; l < layers; l++) {
        const W = tf.tensor2d(views[2 * l], shapes[2 * l] as [number, number]);
        const b = tf.tensor1d(views[2 * l + 1]);
        const z = tf.fused.matMul({ a: hs[l], b: W, bias: b, activation: l + 1 < layers ? 'relu' : 'linear' }) as tf.Tensor2D;
        if (l + 1 < layers) hs.push(z);
        else yp = tf.tanh(z);
      }
      const err = tf.sub(yp, tf.tensor2d(this.#ys.subarray(0, k * a), [k, a]));
      const wt = tf.tensor2d(this.#ws.subarray(0, k), [k, 1]);
      const loss = tf.mean(tf.mul(tf.mean(tf.square(err), 1, true), wt));
      // d loss / d z of the output layer: through the weights, the squared error and tanh
      let dz = tf.mul(tf.mul(err, tf.mul(wt, scale)), tf.sub(1, tf.square(yp))) as tf.Tensor2D;
      for (let l = layers - 1; l >= 0; l--) {
        const hT = l === 0 ? tf.tensor2d(this.#xt.subarray(0, k * d), [d, k]) : tf.transpose(hs[l]);
        out.set(tf.matMul(hT, dz).dataSync() as Float32Array, offsets[2 * l]);
        out.set(tf.sum(dz, 0).dataSync() as Float32Array, offsets[2 * l + 1]);
        if (l === 0) break;
        const [rowsW, colsW] = shapes[2 * l];
        const dh = tf.matMul(dz, tf.tensor2d(this.#wt[2 * l], [colsW, rowsW]));
        dz = tf.mul(dh, tf.step(hs[l])) as tf.Tensor2D;
      }
      return loss.dataSync()[0];
    });
  }
}

/** dst (cols x rows) = the transpose of src (rows x cols), row-major. */
function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) dst[j * rows + i] = src[base + j];
  }
}

/** One epoch of minibatch Adam: shuffles `order` with `rng`, steps `params` once per `batchSize` rows of it; the mean minibatch loss. */
export function adamEpoch(gradient: MlpGradient, adam: Adam, params: Float32Array, grad: Float32Array, order: Int32Array, batchSize: number, rng: SeededRandom): number {
  rng.shuffle(order);
  let sum = 0;
  let batches = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    sum += gradient.compute(params, order.subarray(start, Math.min(order.length, start + batchSize)), grad);
    adam.step(params, grad);
    batches++;
  }
  return sum / batches;
}

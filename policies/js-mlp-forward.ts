import { denormalizeOutputs, normalizeInputs, type Normalization } from './normalization.ts';
import { paramShapes, type MlpArchitecture, type PolicyModel } from './mlp-policy.ts';

/**
 * The same MLP forward pass in plain Float32Array loops: no tensors, no allocation per call after
 * the first. For the small batches of a control tick this avoids tfjs's per-op overhead
 * (bench/policy-bench.ts measures both; the runtime uses whichever the registry is told to).
 */
export class JsMlpForward implements PolicyModel {
  readonly arch: MlpArchitecture;
  readonly norm: Normalization;
  #w: Float32Array[];
  #bufA: Float32Array = new Float32Array(0);
  #bufB: Float32Array = new Float32Array(0);

  constructor(arch: MlpArchitecture, norm: Normalization, weights: Float32Array[]) {
    const shapes = paramShapes(arch);
    if (weights.length !== shapes.length) throw new Error(`JsMlpForward: ${weights.length} weight arrays for ${shapes.length} parameters`);
    this.arch = arch;
    this.norm = norm;
    // Weights are stored [in, out]; keep them transposed to [out, in] so the inner loop is contiguous.
    this.#w = weights.map((w, i) => (shapes[i].length === 2 ? transpose(w, shapes[i][0], shapes[i][1]) : Float32Array.from(w)));
  }

  get inputDim(): number {
    return this.arch.inputDim;
  }

  get outputDim(): number {
    return this.arch.outputDim;
  }

  predictInto(features: Float32Array, count: number, out: Float32Array): void {
    const sizes = [this.arch.inputDim, ...this.arch.hidden, this.arch.outputDim];
    const widest = Math.max(...sizes) * count;
    if (this.#bufA.length < widest) {
      this.#bufA = new Float32Array(widest);
      this.#bufB = new Float32Array(widest);
    }
    let src: Float32Array = normalizeInputs(this.norm, features, count, this.#bufA);
    let dst: Float32Array = this.#bufB;
    const layers = sizes.length - 1;
    for (let l = 0; l < layers; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const w = this.#w[2 * l];
      const b = this.#w[2 * l + 1];
      const last = l === layers - 1;
      for (let r = 0; r < count; r++) {
        const xo = r * nIn;
        for (let o = 0; o < nOut; o++) {
          let s = b[o];
          const wo = o * nIn;
          for (let i = 0; i < nIn; i++) s += src[xo + i] * w[wo + i];
          dst[r * nOut + o] = last ? Math.tanh(s) : s > 0 ? s : 0;
        }
      }
      const t = src;
      src = dst;
      dst = t;
    }
    denormalizeOutputs(this.norm, src, count, out);
  }

  dispose(): void {
    this.#w = [];
  }
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
  return t;
}

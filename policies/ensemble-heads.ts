import { SeededRandom } from '../core/seeded-random.ts';

/** The size of an ensemble of small heads over a version's normalized inputs. */
export interface EnsembleShape {
  heads: number;
  /** random ReLU units per head */
  hidden: number;
  inputDim: number;
  outputDim: number;
}

/** Numbers one ensemble stores: per head W1 (hidden x inputDim), b1 (hidden), W2 ((hidden + 1) x outputDim). */
export function ensembleWeightCount(s: EnsembleShape): number {
  return s.heads * (s.hidden * s.inputDim + s.hidden + (s.hidden + 1) * s.outputDim);
}

export interface EnsembleFitOptions {
  seed?: number;
  /** ridge penalty of each head's readout, per row (default 1e-3: weak enough that heads extrapolate apart) */
  ridge?: number;
}

/**
 * Fits the heads together in one pass over the same rows: each head has its own random ReLU layer
 * and its own bootstrap resample of the rows, and a ridge-fitted linear readout to the targets.
 * On the training distribution the heads agree; off it they extrapolate apart, and their spread is
 * the uncertainty. `z` are normalized inputs, `t` normalized targets, `n` rows of each.
 */
export function fitEnsemble(z: Float32Array, t: Float32Array, n: number, shape: EnsembleShape, opts: EnsembleFitOptions = {}): Float32Array {
  const { heads, hidden: h, inputDim: d, outputDim: o } = shape;
  if (!(heads >= 2)) throw new Error(`an ensemble needs at least 2 heads, got ${heads}`);
  if (n < 1 || z.length !== n * d || t.length !== n * o) throw new Error(`fitEnsemble: ${z.length} inputs and ${t.length} targets are not ${n} rows of ${d} and ${o}`);
  const rng = new SeededRandom(opts.seed ?? 0);
  const out = new Float32Array(ensembleWeightCount(shape));
  const per = h * d + h + (h + 1) * o;
  const k = h + 1;
  const phi = new Float64Array(k);
  const counts = new Float64Array(n);
  for (let m = 0; m < heads; m++) {
    const w = out.subarray(m * per, (m + 1) * per);
    const scale = Math.sqrt(3 / d); // unit-variance pre-activations for unit-variance inputs
    for (let i = 0; i < h * d; i++) w[i] = rng.uniform(-scale, scale);
    for (let i = 0; i < h; i++) w[h * d + i] = rng.uniform(-1, 1);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[rng.int(n)]++;
    // normal equations of the weighted ridge readout: (Phi' C Phi + ridge n I) W2 = Phi' C T
    const a = new Float64Array(k * k);
    const b = new Float64Array(k * o);
    for (let r = 0; r < n; r++) {
      const c = counts[r];
      if (c === 0) continue;
      features(w, z, r * d, h, d, phi);
      for (let i = 0; i < k; i++) {
        const ci = c * phi[i];
        if (ci === 0) continue;
        for (let j = 0; j <= i; j++) a[i * k + j] += ci * phi[j];
        for (let j = 0; j < o; j++) b[i * o + j] += ci * t[r * o + j];
      }
    }
    const ridge = (opts.ridge ?? 1e-3) * n;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < i; j++) a[j * k + i] = a[i * k + j];
      a[i * k + i] += ridge;
    }
    solveSymmetric(a, b, k, o);
    const w2 = w.subarray(h * d + h);
    for (let i = 0; i < k * o; i++) w2[i] = b[i];
  }
  return out;
}

/** Per-tick disagreement of a fitted ensemble: no allocation per call. */
export class EnsembleScorer {
  readonly #w: Float32Array;
  readonly #phi: Float64Array;
  readonly #pred: Float64Array;

  constructor(readonly shape: EnsembleShape, weights: Float32Array) {
    const want = ensembleWeightCount(shape);
    if (weights.length !== want) throw new Error(`ensemble of ${shape.heads} heads x ${shape.hidden} units needs ${want} weights, got ${weights.length}`);
    this.#w = weights;
    this.#phi = new Float64Array(shape.hidden + 1);
    this.#pred = new Float64Array(shape.heads * shape.outputDim);
  }

  /** RMS over outputs of the heads' standard deviation, for the normalized row at `offset` of `z`. */
  score(z: Float32Array, offset = 0): number {
    const { heads, hidden: h, inputDim: d, outputDim: o } = this.shape;
    const per = h * d + h + (h + 1) * o;
    const phi = this.#phi;
    const pred = this.#pred;
    for (let m = 0; m < heads; m++) {
      const w = this.#w.subarray(m * per, (m + 1) * per);
      features(w, z, offset, h, d, phi);
      const w2o = h * d + h;
      for (let j = 0; j < o; j++) {
        let s = 0;
        for (let i = 0; i <= h; i++) s += phi[i] * w[w2o + i * o + j];
        pred[m * o + j] = s;
      }
    }
    let total = 0;
    for (let j = 0; j < o; j++) {
      let mean = 0;
      for (let m = 0; m < heads; m++) mean += pred[m * o + j];
      mean /= heads;
      let v = 0;
      for (let m = 0; m < heads; m++) v += (pred[m * o + j] - mean) ** 2;
      total += v / heads;
    }
    return Math.sqrt(total / o);
  }
}

/** One head's hidden layer on row `z[zo..]`: ReLU units, then a constant 1 for the readout's bias. */
function features(w: Float32Array, z: Float32Array, zo: number, h: number, d: number, phi: Float64Array): void {
  for (let u = 0; u < h; u++) {
    let s = w[h * d + u];
    for (let j = 0; j < d; j++) s += w[u * d + j] * z[zo + j];
    phi[u] = s > 0 ? s : 0;
  }
  phi[h] = 1;
}

/** Solves A X = B in place (A symmetric positive definite k x k, B k x o) by Cholesky; X lands in B. */
function solveSymmetric(a: Float64Array, b: Float64Array, k: number, o: number): void {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / a[j * k + j];
    }
  }
  for (let c = 0; c < o; c++) {
    for (let i = 0; i < k; i++) {
      let s = b[i * o + c];
      for (let p = 0; p < i; p++) s -= a[i * k + p] * b[p * o + c];
      b[i * o + c] = s / a[i * k + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = b[i * o + c];
      for (let p = i + 1; p < k; p++) s -= a[p * k + i] * b[p * o + c];
      b[i * o + c] = s / a[i * k + i];
    }
  }
}

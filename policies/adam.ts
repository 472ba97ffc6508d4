/** Adam's settings; the defaults are tfjs's `tf.train.adam` (epsilon: its float32 backend epsilon). */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam over one flat parameter vector, in plain JS: the update is a few multiply-adds per
 * parameter, so it costs less than handing every parameter to tfjs kernels, and every thread of a
 * data-parallel run can see the one shared vector it updates. The arithmetic is tfjs's AdamOptimizer's.
 */
export class Adam {
  readonly #lr: number;
  readonly #b1: number;
  readonly #b2: number;
  readonly #eps: number;
  readonly #m: Float32Array;
  readonly #v: Float32Array;
  #b1t = 1;
  #b2t = 1;

  constructor(size: number, { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 }: AdamOptions) {
    if (!(learningRate > 0)) throw new Error(`Adam: learningRate must be > 0, got ${learningRate}`);
    this.#lr = learningRate;
    this.#b1 = beta1;
    this.#b2 = beta2;
    this.#eps = epsilon;
    this.#m = new Float32Array(size);
    this.#v = new Float32Array(size);
  }

  /** One step: moves `params` against `grad` (same length) in place. */
  step(params: Float32Array, grad: Float32Array): void {
    const m = this.#m;
    const v = this.#v;
    if (params.length !== m.length || grad.length !== m.length) throw new Error(`Adam: ${params.length} params and ${grad.length} gradients for a state of ${m.length}`);
    const b1 = this.#b1;
    const b2 = this.#b2;
    this.#b1t *= b1;
    this.#b2t *= b2;
    const c1 = 1 / (1 - this.#b1t);
    const c2 = 1 / (1 - this.#b2t);
    const lr = this.#lr;
    const eps = this.#eps;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      const mi = (m[i] = b1 * m[i] + (1 - b1) * g);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * g * g);
      params[i] -= (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
    }
  }
}

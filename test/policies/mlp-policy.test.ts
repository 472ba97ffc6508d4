import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../policies/backend.ts';
import { MlpPolicy, type MlpArchitecture } from '../../policies/mlp-policy.ts';
import { JsMlpForward } from '../../policies/js-mlp-forward.ts';
import { computeNormalization } from '../../policies/normalization.ts';
import { SeededRandom } from '../../core/seeded-random.ts';

const arch: MlpArchitecture = { kind: 'mlp', inputDim: 5, hidden: [16, 8], outputDim: 7 };

function randomData(n: number, seed: number) {
  const rng = new SeededRandom(seed);
  const x = Float32Array.from({ length: n * arch.inputDim }, () => rng.next() * 4 - 2);
  const y = Float32Array.from({ length: n * arch.outputDim }, () => rng.next() * 2 - 1);
  return { x, y };
}

function grads(policy: MlpPolicy, x: Float32Array, y: Float32Array, w: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const n = w.length;
    const { grads } = tf.variableGrads(() => policy.loss(tf.tensor2d(x, [n, arch.inputDim]), tf.tensor2d(y, [n, arch.outputDim]), tf.tensor1d(w)), policy.params);
    return policy.params.map((p) => grads[p.name].dataSync() as Float32Array).map((a) => Float32Array.from(a));
  });
}

describe('MlpPolicy', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
  });

  it('the weighted loss is the batch mean of weight times per-sample MSE', () => {
    const { x, y } = randomData(4, 1);
    const w = Float32Array.from([0.5, 2, 0, 1.5]);
    const norm = computeNormalization(x, y, Float32Array.from([1, 1, 1, 1]), arch.inputDim, arch.outputDim);
    const policy = MlpPolicy.init(arch, norm, 7);
    const [loss, out] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [4, arch.inputDim]);
      return [policy.loss(xt, tf.tensor2d(y, [4, 7]), tf.tensor1d(w)).dataSync()[0], policy.forward(xt).dataSync()];
    });
    let expected = 0;
    for (let i = 0; i < 4; i++) {
      let mse = 0;
      for (let j = 0; j < 7; j++) mse += (out[i * 7 + j] - y[i * 7 + j]) ** 2 / 7;
      expected += (w[i] * mse) / 4;
    }
    expect(loss).toBeCloseTo(expected, 5);
    policy.dispose();
  });

  it('a sample with weight 0 has no influence on the gradient', () => {
    const { x, y } = randomData(8, 2);
    const w = Float32Array.from([1, 1, 0, 1, 1, 1, 1, 1]);
    const norm = computeNormalization(x, y, w, arch.inputDim, arch.outputDim);
    const policy = MlpPolicy.init(arch, norm, 3);
    const g1 = grads(policy, x, y, w);
    // garbage in the weight-0 sample's inputs and targets
    const x2 = x.slice();
    const y2 = y.slice();
    for (let j = 0; j < arch.inputDim; j++) x2[2 * arch.inputDim + j] = 50 * (j + 1);
    for (let j = 0; j < 7; j++) y2[2 * 7 + j] = -0.99;
    const g2 = grads(policy, x2, y2, w);
    g1.forEach((g, i) => expect(Array.from(g2[i])).toEqual(Array.from(g)));
    // and a nonzero weight there does change it (the check above can fail)
    const g3 = grads(policy, x2, y2, Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]));
    expect(Array.from(g3[0])).not.toEqual(Array.from(g1[0]));
    policy.dispose();
  });

  it('the custom dense gradient equals tfjs autodiff of the plain ops', () => {
    const { x, y } = randomData(6, 4);
    const w = Float32Array.from([1, 0.5, 2, 1, 1, 0.25]);
    const norm = computeNormalization(x, y, w, arch.inputDim, arch.outputDim);
    const policy = MlpPolicy.init(arch, norm, 5);
    const ours = grads(policy, x, y, w);
    const reference = tf.tidy(() => {
      const p = policy.params;
      const f = () => {
        let h: tf.Tensor2D = tf.tensor2d(x, [6, arch.inputDim]);
        for (let l = 0; l < p.length; l += 2) {
          const z = tf.add(tf.matMul(h, p[l] as tf.Tensor2D), p[l + 1]) as tf.Tensor2D;
          h = l + 2 < p.length ? tf.relu(z) : tf.tanh(z);
        }
        return tf.mean(tf.mul(tf.mean(tf.squaredDifference(h, tf.tensor2d(y, [6, 7])), 1), tf.tensor1d(w))) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(f, p);
      return p.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array));
    });
    ours.forEach((g, i) => g.forEach((v, k) => expect(v).toBeCloseTo(reference[i][k], 5)));
    policy.dispose();
  });

  it('predicts clipped actions, and the plain-JS forward pass agrees with tfjs', () => {
    const { x, y } = randomData(16, 5);
    const norm = computeNormalization(x, y, new Float32Array(16).fill(1), arch.inputDim, arch.outputDim);
    const policy = MlpPolicy.init(arch, norm, 9);
    const js = new JsMlpForward(arch, norm, policy.weights());
    const a = new Float32Array(16 * 7);
    const b = new Float32Array(16 * 7);
    const before = tf.memory().numTensors;
    policy.predictInto(x, 16, a);
    expect(tf.memory().numTensors).toBe(before);
    js.predictInto(x, 16, b);
    expect(a.every((v) => v >= -1 && v <= 1)).toBe(true);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    policy.dispose();
  });

  it('refuses weights of the wrong shape, naming the parameter', () => {
    const { x, y } = randomData(2, 6);
    const norm = computeNormalization(x, y, Float32Array.from([1, 1]), arch.inputDim, arch.outputDim);
    const good = MlpPolicy.init(arch, norm, 1);
    const w = good.weights();
    w[2] = new Float32Array(3);
    expect(() => MlpPolicy.fromWeights(arch, norm, w)).toThrow(/parameter 2 has 3 values/);
    good.dispose();
  });
  it('load copies the arrays it is given, also on the cpu backend (which keeps what a tensor is made from)', async () => {
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const { x, y } = randomData(2, 3);
      const policy = MlpPolicy.init(arch, computeNormalization(x, y, Float32Array.from([1, 1]), arch.inputDim, arch.outputDim), 5);
      const given = policy.weights().map((w) => w.map((v) => v + 1));
      policy.load(given);
      const loaded = policy.weights();
      given[0][0] = 1234; // the caller's vector changes on (the trainer's Adam does)
      expect(policy.weights()[0][0]).toBe(loaded[0][0]);
      expect(loaded[0][0]).not.toBe(1234);
      policy.dispose();
    } finally {
      await tf.setBackend(before);
    }
  });
});

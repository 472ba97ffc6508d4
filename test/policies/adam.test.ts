import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../policies/backend.ts';
import { Adam } from '../../policies/adam.ts';
import { SeededRandom } from '../../core/seeded-random.ts';

describe('Adam', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
  });

  it("takes the steps tfjs's own Adam takes", () => {
    const rng = new SeededRandom(4);
    const n = 50;
    const start = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const grads = Array.from({ length: 20 }, () => Float32Array.from({ length: n }, () => rng.uniform(-2, 2)));
    const ours = start.slice();
    const adam = new Adam(n, { learningRate: 0.01 });
    for (const g of grads) adam.step(ours, g);
    const v = tf.variable(tf.tensor1d(start));
    const opt = tf.train.adam(0.01);
    for (const g of grads) opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(g) }]);
    const theirs = v.dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    expect(worst).toBeLessThan(1e-5);
    // the steps moved the parameters (about 0.01 each): the comparison can fail
    expect(ours.reduce((s, p, i) => s + Math.abs(p - start[i]), 0)).toBeGreaterThan(0.5);
    v.dispose();
    opt.dispose();
  });

  it('refuses vectors of the wrong length and a learning rate that is not positive', () => {
    const adam = new Adam(3, { learningRate: 1e-3 });
    expect(() => adam.step(new Float32Array(3), new Float32Array(2))).toThrow(/2 gradients for a state of 3/);
    expect(() => new Adam(3, { learningRate: 0 })).toThrow(/learningRate must be > 0/);
  });
});

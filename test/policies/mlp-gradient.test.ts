import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../../policies/backend.ts';
import { weightedMse, type MlpArchitecture } from '../../policies/mlp-policy.ts';
import { MlpGradient, paramLayout, paramViews, type TrainingRows } from '../../policies/mlp-gradient.ts';
import { SeededRandom } from '../../core/seeded-random.ts';

const arch: MlpArchitecture = { kind: 'mlp', inputDim: 5, hidden: [16, 8], outputDim: 7 };
const layout = paramLayout(arch);

function rowsOf(n: number, seed: number): TrainingRows {
  const rng = new SeededRandom(seed);
  return {
    x: Float32Array.from({ length: n * arch.inputDim }, () => rng.uniform(-2, 2)),
    y: Float32Array.from({ length: n * arch.outputDim }, () => rng.uniform(-1, 1)),
    w: Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : rng.uniform(0, 3))),
    inputDim: arch.inputDim,
    outputDim: arch.outputDim,
  };
}

function paramsOf(seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: layout.size }, () => rng.uniform(-0.5, 0.5));
}

/** tfjs's own autodiff of the trainer's loss over the given rows: the reference. */
function autodiff(params: Float32Array, data: TrainingRows, rows: Int32Array): { loss: number; grad: Float32Array } {
  const { inputDim: d, outputDim: a } = data;
  const k = rows.length;
  const pick = (src: Float32Array, width: number) => Float32Array.from({ length: k * width }, (_, i) => src[rows[Math.floor(i / width)] * width + (i % width)]);
  return tf.tidy(() => {
    const ps = paramViews(layout, params).map((v, i) => tf.tensor(v, layout.shapes[i]));
    const f = (...p: tf.Tensor[]) => weightedMse(p, tf.tensor2d(pick(data.x, d), [k, d]), tf.tensor2d(pick(data.y, a), [k, a]), tf.tensor1d(pick(data.w, 1)));
    const { value, grads } = tf.valueAndGrads(f)(ps);
    const grad = new Float32Array(layout.size);
    grads.forEach((g, i) => grad.set(g.dataSync() as Float32Array, layout.offsets[i]));
    return { loss: value.dataSync()[0], grad };
  });
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  const scale = Math.max(1e-3, ...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale).toBeLessThan(1e-4);
}

describe('MlpGradient', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
  });

  it('back-propagates by hand what tfjs autodiff gives for the weighted loss', () => {
    const data = rowsOf(40, 1);
    const sg = new MlpGradient(arch, data);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1000 }), (k, seed) => {
        const rng = new SeededRandom(seed);
        const rows = Int32Array.from({ length: k }, () => rng.int(40));
        const params = paramsOf(seed);
        const out = new Float32Array(layout.size);
        const loss = sg.compute(params, rows, out);
        const ref = autodiff(params, data, rows);
        expect(loss).toBeCloseTo(ref.loss, 5);
        expectClose(out, ref.grad);
      }),
      { numRuns: 25 },
    );
  });
});

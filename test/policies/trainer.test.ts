import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../policies/backend.ts';
import { trainPolicy } from '../../policies/trainer.ts';
import type { TrainingSet } from '../../policies/training-set.ts';
import { SeededRandom } from '../../core/seeded-random.ts';

const D = 6;
const A = 7;

/** A learnable synthetic set: actions are a smooth function of the features, 12 episodes of 40 steps. */
function syntheticSet(seed: number, episodes = 12, steps = 40): TrainingSet {
  const rng = new SeededRandom(seed);
  const n = episodes * steps;
  const features = new Float32Array(n * D);
  const actions = new Float32Array(n * A);
  const episode = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    episode[i] = Math.floor(i / steps);
    for (let j = 0; j < D; j++) features[i * D + j] = rng.next() * 2 - 1;
    for (let k = 0; k < A; k++) actions[i * A + k] = Math.tanh(features[i * D + (k % D)] * 1.5 - 0.5 * features[i * D + ((k + 1) % D)]);
  }
  return { inputDim: D, outputDim: A, count: n, features, actions, weights: new Float32Array(n).fill(1), episode, episodeIds: Array.from({ length: episodes }, (_, e) => `ep${e}`) };
}

const small = { hidden: [32, 32], epochs: 4, batchSize: 32, learningRate: 3e-3 };

describe('trainPolicy', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const set = syntheticSet(1);
    const a = await trainPolicy(set, { ...small, seed: 42 });
    const b = await trainPolicy(set, { ...small, seed: 42 });
    const c = await trainPolicy(set, { ...small, seed: 43 });
    const [wa, wb, wc] = [a.policy.weights(), b.policy.weights(), c.policy.weights()];
    wa.forEach((w, i) => expect(Array.from(wb[i])).toEqual(Array.from(w)));
    expect(Array.from(wc[0])).not.toEqual(Array.from(wa[0]));
    expect(a.history.map((h) => h.trainLoss)).toEqual(b.history.map((h) => h.trainLoss));
    for (const r of [a, b, c]) r.policy.dispose();
  });

  it('lowers the weighted validation loss, on held-out whole episodes', async () => {
    const set = syntheticSet(2);
    const progress: number[] = [];
    const r = await trainPolicy(set, { ...small, epochs: 8, seed: 1, validationFraction: 0.25, onProgress: (p) => progress.push(p.epoch) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.validationEpisodes.length).toBe(3);
    expect(r.trainEpisodes.some((e) => r.validationEpisodes.includes(e))).toBe(false);
    expect(r.trainSamples + r.validationSamples).toBe(set.count);
    const last = r.history.at(-1)!.valLoss!;
    expect(last).toBeLessThan(r.initialValLoss! * 0.5);
    r.policy.dispose();
  });

  it('samples with weight 0 have no influence on the trained weights', async () => {
    const clean = syntheticSet(3);
    // the same set with garbage rows of weight 0 spliced into existing episodes
    const extra = 30;
    const n = clean.count + extra;
    const dirty: TrainingSet = {
      ...clean,
      count: n,
      features: new Float32Array(n * D),
      actions: new Float32Array(n * A),
      weights: new Float32Array(n),
      episode: new Int32Array(n),
    };
    const rng = new SeededRandom(9);
    // garbage rows first, each in an existing episode
    for (let k = 0; k < extra; k++) {
      for (let j = 0; j < D; j++) dirty.features[k * D + j] = 40 * rng.next();
      for (let j = 0; j < A; j++) dirty.actions[k * A + j] = -1;
      dirty.weights[k] = 0;
      dirty.episode[k] = clean.episode[k * 16];
    }
    // copy clean rows after the garbage block, keeping episode membership
    for (let i = 0; i < clean.count; i++) {
      dirty.features.set(clean.features.subarray(i * D, i * D + D), (extra + i) * D);
      dirty.actions.set(clean.actions.subarray(i * A, i * A + A), (extra + i) * A);
      dirty.weights[extra + i] = 1;
      dirty.episode[extra + i] = clean.episode[i];
    }
    const a = await trainPolicy(clean, { ...small, seed: 5 });
    const b = await trainPolicy(dirty, { ...small, seed: 5 });
    const [wa, wb] = [a.policy.weights(), b.policy.weights()];
    wa.forEach((w, i) => expect(Array.from(wb[i])).toEqual(Array.from(w)));
    // the check can fail: the same rows with weight 1 change the result
    dirty.weights.fill(1, 0, extra);
    const c = await trainPolicy(dirty, { ...small, seed: 5 });
    expect(Array.from(c.policy.weights()[0])).not.toEqual(Array.from(wa[0]));
    for (const r of [a, b, c]) r.policy.dispose();
  });

  it('warm-starts from given weights: keeps their normalization and starts at their loss', async () => {
    const set = syntheticSet(5);
    const base = await trainPolicy(set, { ...small, epochs: 6, seed: 7, validationFraction: 0.25 });
    const init = { arch: base.arch, norm: base.norm, weights: base.policy.weights() };
    const zero = await trainPolicy(set, { ...small, epochs: 1, learningRate: 1e-9, seed: 7, validationFraction: 0.25, init });
    // the same split (same seed), almost no learning: the warm start begins where the base ended
    expect(zero.initialValLoss).toBeCloseTo(base.history[base.keptEpoch - 1].valLoss!, 5);
    expect(zero.norm).toBe(base.norm);
    const cold = await trainPolicy(set, { ...small, epochs: 1, learningRate: 1e-9, seed: 7, validationFraction: 0.25 });
    expect(cold.initialValLoss!).toBeGreaterThan(zero.initialValLoss! * 2);
    const wrong = { ...init, arch: { ...init.arch, inputDim: D + 1 } };
    await expect(trainPolicy(set, { ...small, init: wrong })).rejects.toThrow(/warm start from a 7->7 network, but the data is 6->7/);
    for (const r of [base, zero, cold]) r.policy.dispose();
  });

  it('keeps the epoch with the lowest validation loss, not the last', async () => {
    // targets unrelated to the inputs: the network can only overfit, so validation loss rises
    const set = syntheticSet(6, 8, 30);
    const rng = new SeededRandom(11);
    for (let i = 0; i < set.actions.length; i++) set.actions[i] = rng.next() * 2 - 1;
    const opts = { hidden: [64, 64], batchSize: 16, learningRate: 1e-2, seed: 3, validationFraction: 0.25 };
    const best = await trainPolicy(set, { ...opts, epochs: 10 });
    const vals = best.history.map((h) => h.valLoss!);
    const argmin = vals.indexOf(Math.min(...vals)) + 1;
    expect(argmin).toBeLessThan(10); // the setup overfits, so the check can fail
    expect(best.keptEpoch).toBe(argmin);
    // the kept weights are exactly those of a run stopped at that epoch (same seed, same shuffles)
    const stopped = await trainPolicy(set, { ...opts, epochs: argmin, keepBest: false });
    best.policy.weights().forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(stopped.policy.weights()[i])));
    const last = await trainPolicy(set, { ...opts, epochs: 10, keepBest: false });
    expect(last.keptEpoch).toBe(10);
    expect(Array.from(last.policy.weights()[0])).not.toEqual(Array.from(best.policy.weights()[0]));
    // the weight the loss saw: every training row weighs 1 here
    expect(best.trainWeight).toBe(best.trainSamples);
    for (const r of [best, stopped, last]) r.policy.dispose();
  });

  it('refuses a set with no positive weight', async () => {
    const set = syntheticSet(4, 2, 5);
    set.weights.fill(0);
    await expect(trainPolicy(set, small)).rejects.toThrow(/no training samples with positive weight/);
  });
});

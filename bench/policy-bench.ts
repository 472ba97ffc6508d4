import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { Benchmark } from './run.ts';
import { fmt, percentile } from './percentiles.ts';
import { describeBackend, initBackend } from '../policies/backend.ts';
import { JsMlpForward } from '../policies/js-mlp-forward.ts';
import { NoveltyScorer } from '../policies/help-model.ts';
import { MlpPolicy, type MlpArchitecture, type PolicyModel } from '../policies/mlp-policy.ts';
import type { Normalization } from '../policies/normalization.ts';
import { PolicyRegistry } from '../policies/policy-registry.ts';
import { SeededRandom } from '../core/seeded-random.ts';
import { trainPolicy } from '../policies/trainer.ts';
import type { TrainingSet } from '../policies/training-set.ts';

const BATCH = 256;

const row = (l: { p50: number; p99: number; cpuP50: number; cpuP99: number }) =>
  [l.p50, l.p99, l.cpuP50, l.cpuP99].map((v) => fmt(v).padEnd(8)).join(' ');

/** The shipped default policy's network if it is there, else a fresh one of the same shape. */
async function benchModel(): Promise<{ arch: MlpArchitecture; norm: Normalization; weights: Float32Array[]; label: string }> {
  try {
    const { manifest, weights } = await new PolicyRegistry({ dataDir: './data' }).load('default');
    return { arch: manifest.architecture, norm: manifest.normalization, weights, label: 'default policy' };
  } catch {
    const d = 46;
    const arch: MlpArchitecture = { kind: 'mlp', inputDim: d, hidden: [256, 256], outputDim: 7 };
    const norm: Normalization = { inputMean: Array(d).fill(0), inputStd: Array(d).fill(1), outputOffset: Array(7).fill(0), outputScale: Array(7).fill(1) };
    const p = MlpPolicy.init(arch, norm, 1);
    const weights = p.weights();
    p.dispose();
    return { arch, norm, weights, label: 'random init' };
  }
}

/**
 * Per-call latency: wall time, and process CPU time (user + system, microsecond resolution) so a
 * busy machine's waits for a core can be told apart from the policy's own cost.
 */
function latency(model: PolicyModel, batch: number, iters: number): { p50: number; p99: number; cpuP50: number; cpuP99: number } {
  const x = Float32Array.from({ length: batch * model.inputDim }, (_, i) => Math.sin(i));
  const out = new Float32Array(batch * model.outputDim);
  for (let i = 0; i < 200; i++) model.predictInto(x, batch, out);
  const t = new Float64Array(iters);
  const c = new Float64Array(iters);
  for (let i = 0; i < iters; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    model.predictInto(x, batch, out);
    t[i] = (performance.now() - t0) * 1000;
    const dc = process.cpuUsage(c0);
    c[i] = dc.user + dc.system;
  }
  return { p50: percentile(t, 50), p99: percentile(t, 99), cpuP50: percentile(c, 50), cpuP99: percentile(c, 99) };
}

function syntheticSet(inputDim: number, n: number): TrainingSet {
  const rng = new SeededRandom(3);
  const features = Float32Array.from({ length: n * inputDim }, () => rng.next() * 2 - 1);
  const actions = Float32Array.from({ length: n * 7 }, () => rng.next() * 2 - 1);
  return { inputDim, outputDim: 7, count: n, features, actions, weights: new Float32Array(n).fill(1), episode: new Int32Array(n), episodeIds: ['bench'] };
}

/** Samples/s of the trainer (median epoch after the first, which includes warm-up). */
async function trainerSpeed(arch: MlpArchitecture, n: number, epochs: number): Promise<number> {
  const r = await trainPolicy(syntheticSet(arch.inputDim, n), { hidden: arch.hidden, epochs, batchSize: BATCH, validationFraction: 0, seed: 1 });
  r.policy.dispose();
  const rates = r.history.slice(1).map((h) => h.samplesPerSecond);
  return percentile(rates.length ? rates : [r.history[0].samplesPerSecond], 50);
}

/**
 * Baselines: the same weighted loop through tfjs's optimizer and tape, with tfjs's own matMul
 * gradient (transposed matMuls) or with MlpPolicy's custom dense gradient (the trainer before
 * it back-propagated by hand).
 */
function tapeSpeed(arch: MlpArchitecture, batches: number, custom: boolean): number {
  const policy = MlpPolicy.init(arch, { inputMean: Array(arch.inputDim).fill(0), inputStd: Array(arch.inputDim).fill(1), outputOffset: Array(arch.outputDim).fill(0), outputScale: Array(arch.outputDim).fill(1) }, 1);
  const vars = policy.params;
  const x = tf.randomNormal([BATCH, arch.inputDim]) as tf.Tensor2D;
  const y = tf.randomUniform([BATCH, 7], -1, 1) as tf.Tensor2D;
  const w = tf.ones([BATCH]) as tf.Tensor1D;
  const opt = tf.train.adam(1e-3);
  const step = () =>
    opt.minimize(() => {
      if (custom) return policy.loss(x, y, w);
      let h: tf.Tensor = x;
      for (let l = 0; l < vars.length; l += 2) {
        const z = tf.add(tf.matMul(h as tf.Tensor2D, vars[l] as tf.Tensor2D), vars[l + 1]);
        h = l + 2 < vars.length ? tf.relu(z) : tf.tanh(z);
      }
      return tf.mean(tf.mul(tf.mean(tf.squaredDifference(h, y), 1), w)) as tf.Scalar;
    }, false, vars);
  for (let i = 0; i < 3; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) step();
  const rate = (batches * BATCH) / ((performance.now() - t0) / 1000);
  tf.dispose([x, y, w]);
  policy.dispose();
  opt.dispose();
  return rate;
}

export const policyBench: Benchmark = {
  name: 'policy',
  summary: 'policy inference p50/p99 (batch 1, 16) and weighted-BC training samples/s (batch 256), backend in use vs pure-JS baselines',
  async run() {
    const info = await initBackend();
    const m = await benchModel();
    const line = (s: string) => process.stdout.write(s + '\n');
    line(`${describeBackend(info)}`);
    line(`network: ${[m.arch.inputDim, ...m.arch.hidden, m.arch.outputDim].join('-')} (${m.label})`);
    line('\ninference, microseconds per call (features normalized in, actions out)');
    line(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores (wall p99 includes waiting for a core)`);
    line('engine                      batch   wall p50 wall p99  cpu p50  cpu p99');
    const tfModel = MlpPolicy.fromWeights(m.arch, m.norm, m.weights);
    const jsModel = new JsMlpForward(m.arch, m.norm, m.weights);
    for (const batch of [1, 16]) {
      const a = latency(tfModel, batch, batch === 1 ? 5000 : 2000);
      line(`tfjs ${info.tfName.padEnd(22)} ${String(batch).padStart(5)}   ${row(a)}`);
      const b = latency(jsModel, batch, batch === 1 ? 5000 : 1000);
      line(`plain JS Float32Array loops ${String(batch).padStart(5)}   ${row(b)}`);
    }
    tfModel.dispose();
    // the help score a version with a help model adds to each tick (policies/help-model.ts), batch 1
    const states = 1024;
    const rng = new SeededRandom(7);
    const scorer = new NoveltyScorer({ threshold: 1, dim: m.arch.inputDim }, Float32Array.from({ length: states * m.arch.inputDim }, () => rng.uniform(-2, 2)), m.norm);
    const scoreOnly: PolicyModel = { inputDim: m.arch.inputDim, outputDim: 1, predictInto: (x, _n, out) => { out[0] = scorer.score(x); }, dispose() {} };
    const both: PolicyModel = { inputDim: m.arch.inputDim, outputDim: 7, predictInto: (x, n, out) => { jsModel.predictInto(x, n, out); out[0] += 0 * scorer.score(x); }, dispose() {} };
    line(`help score, nearest of ${states} states  1   ${row(latency(scoreOnly, 1, 5000))}`);
    line(`plain JS forward + help score     1   ${row(latency(both, 1, 5000))}`);

    const pytorch = 8_800;
    line(`\ntraining, samples/s at batch ${BATCH} (weighted MSE, Adam); x = against the ~${pytorch} samples/s PyTorch reference`);
    const ours = await trainerSpeed(m.arch, BATCH * 60, 4);
    line(`trainer on ${info.tfName} (hand-written backward pass, JS Adam)     ${fmt(ours, 4)}   (${fmt(ours / pytorch, 3)}x)`);
    const custom = tapeSpeed(m.arch, 30, true);
    line(`tfjs optimizer + tape, custom dense gradient, ${info.tfName}       ${fmt(custom, 4)}   (${fmt(custom / pytorch, 3)}x; trainer is ${fmt(ours / custom, 3)}x)`);
    const autodiff = tapeSpeed(m.arch, 30, false);
    line(`tfjs optimizer + tape, tfjs's own matMul gradient, ${info.tfName} ${fmt(autodiff, 4)}   (${fmt(autodiff / pytorch, 3)}x; trainer is ${fmt(ours / autodiff, 3)}x)`);
    if (info.tfName !== 'cpu') {
      await tf.setBackend('cpu');
      const cpu = await trainerSpeed(m.arch, BATCH * 12, 2);
      line(`trainer on the pure-JS cpu backend                  ${fmt(cpu, 4)}   (backend in use is ${fmt(ours / cpu, 3)}x)`);
      await tf.setBackend(info.tfName);
    }
    line(`target: batch-1 p99 <= 500 us; training >= ~8,800 samples/s (PyTorch 1.13, same MLP, these 2 cores)`);
  },
};

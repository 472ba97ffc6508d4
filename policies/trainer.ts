import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam.ts';
import { adamEpoch, MlpGradient, paramLayout, paramViews } from './mlp-gradient.ts';
import { MlpPolicy, type MlpArchitecture } from './mlp-policy.ts';
import { computeNormalization, normalizeInputs, normalizeOutputs, type Normalization } from './normalization.ts';
import { SeededRandom } from '../core/seeded-random.ts';
import type { TrainingSet } from './training-set.ts';

export interface TrainOptions {
  /** hidden layer sizes (default 256, 256) */
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** seeds weight init, the validation split and the shuffling: same seed, same weights */
  seed?: number;
  /** share of episodes held out for validation (at least one when there are two or more) */
  validationFraction?: number;
  /**
   * return the weights of the epoch with the lowest validation loss (default true); false keeps the
   * last epoch's. Without validation episodes the last epoch is kept either way.
   */
  keepBest?: boolean;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** sizes of the feature spec's fields: the input std floor becomes relative to each field's spread (policies/normalization.ts) */
  inputFields?: readonly number[];
  /**
   * warm start: begin from these weights (fine-tuning). Their normalization and architecture are
   * kept, so the weights keep their meaning; `hidden` is then ignored.
   */
  init?: { arch: MlpArchitecture; norm: Normalization; weights: Float32Array[] };
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** weighted training loss, mean over the epoch's batches */
  trainLoss: number;
  /** weighted validation loss (null without validation episodes) */
  valLoss: number | null;
  samplesPerSecond: number;
}

export interface TrainResult {
  policy: MlpPolicy;
  arch: MlpArchitecture;
  norm: Normalization;
  history: TrainProgress[];
  trainEpisodes: string[];
  validationEpisodes: string[];
  trainSamples: number;
  /** sum of the training samples' weights (what the loss actually saw) */
  trainWeight: number;
  validationSamples: number;
  /** the set's rows trained on and held out (help calibration reads them: policies/help-model.ts) */
  trainRows: Int32Array;
  validationRows: Int32Array;
  /** the epoch whose weights were returned (1-based) */
  keptEpoch: number;
  /** validation loss of the untrained network, to show training lowered it */
  initialValLoss: number | null;
  seconds: number;
}

const DEFAULTS = { hidden: [256, 256], epochs: 50, batchSize: 256, learningRate: 1e-3, seed: 0, validationFraction: 0.1, keepBest: true };

/**
 * Weighted behavioral cloning: per-sample weighted MSE, Adam, uniform shuffled minibatches, whole
 * episodes held out for validation. Samples with weight 0 are dropped up front (they would add
 * nothing but time); normalization is computed on the training samples. The backward pass is
 * written out (policies/mlp-gradient.ts) and Adam runs in JS over one flat parameter vector
 * (policies/adam.ts). Deterministic for a seed on a given backend: init and shuffles come from a
 * seeded generator and the wasm and cpu kernels are single-threaded.
 */
export async function trainPolicy(set: TrainingSet, opts: TrainOptions = {}): Promise<TrainResult> {
  const o = { ...DEFAULTS, ...stripUndefined(opts) };
  if (!(o.epochs >= 1) || !(o.batchSize >= 1)) throw new Error(`trainPolicy: epochs (${o.epochs}) and batchSize (${o.batchSize}) must be >= 1`);
  const started = performance.now();
  const rng = new SeededRandom(o.seed);
  const { train, val } = splitEpisodes(set, o.validationFraction, rng);
  if (train.length === 0) throw new Error(`trainPolicy: no training samples with positive weight (${set.count} samples in total)`);

  const D = set.inputDim;
  const A = set.outputDim;
  const trainX = gatherRows(set.features, D, train);
  const trainY = gatherRows(set.actions, A, train);
  const trainW = gatherRows(set.weights, 1, train);
  const initSeed = rng.int(2 ** 31); // drawn either way, so a warm start shuffles like a cold one
  if (o.init && (o.init.arch.inputDim !== D || o.init.arch.outputDim !== A)) {
    throw new Error(`trainPolicy: warm start from a ${o.init.arch.inputDim}->${o.init.arch.outputDim} network, but the data is ${D}->${A}`);
  }
  const norm = o.init?.norm ?? computeNormalization(trainX, trainY, trainW, D, A, o.inputFields);
  const arch: MlpArchitecture = o.init?.arch ?? { kind: 'mlp', inputDim: D, hidden: o.hidden, outputDim: A };
  const policy = o.init ? MlpPolicy.fromWeights(arch, norm, o.init.weights) : MlpPolicy.init(arch, norm, initSeed);

  const n = train.length;
  const layout = paramLayout(arch);
  const gradient = new MlpGradient(arch, { x: normalizeInputs(norm, trainX, n), y: normalizeOutputs(norm, trainY, n), w: trainW, inputDim: D, outputDim: A });
  const valT = val.length ? tensorsFor(set, val, norm) : null;
  const history: TrainProgress[] = [];
  // the best epoch's parameters (a copy of the flat vector)
  let best: { epoch: number; loss: number; params: Float32Array } | null = null;
  try {
    const params = new Float32Array(layout.size);
    policy.weights().forEach((w, i) => params.set(w, layout.offsets[i]));
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const adam = new Adam(layout.size, { learningRate: o.learningRate });
    const grad = new Float32Array(layout.size);
    const initialValLoss = valT ? evalLoss(policy, valT) : null;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      if (o.signal?.aborted) throw new Error('training cancelled');
      const t0 = performance.now();
      const trainLoss = adamEpoch(gradient, adam, params, grad, order, o.batchSize, rng);
      const dt = (performance.now() - t0) / 1000;
      policy.load(paramViews(layout, params));
      const valLoss = valT ? evalLoss(policy, valT) : null;
      const p: TrainProgress = { epoch, epochs: o.epochs, trainLoss, valLoss, samplesPerSecond: n / dt };
      history.push(p);
      if (o.keepBest && valLoss !== null && epoch < o.epochs && (best === null || valLoss < best.loss)) best = { epoch, loss: valLoss, params: params.slice() };
      o.onProgress?.(p);
      // let timers, messages and cancellation through between epochs
      await new Promise((r) => setImmediate(r));
    }
    let keptEpoch = o.epochs;
    const lastVal = history.at(-1)!.valLoss;
    if (best && lastVal !== null && best.loss < lastVal) {
      policy.load(paramViews(layout, best.params));
      keptEpoch = best.epoch;
    }
    return {
      policy,
      arch,
      norm,
      history,
      trainEpisodes: uniqueEpisodes(set, train),
      validationEpisodes: uniqueEpisodes(set, val),
      trainSamples: n,
      trainWeight: trainW.reduce((a, b) => a + b, 0),
      validationSamples: val.length,
      trainRows: train,
      validationRows: val,
      keptEpoch,
      initialValLoss,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    policy.dispose();
    throw err;
  } finally {
    if (valT) tf.dispose([valT.x, valT.y, valT.w]);
  }
}

interface EvalTensors {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  w: tf.Tensor1D;
}

function tensorsFor(set: TrainingSet, rows: Int32Array, norm: Normalization): EvalTensors {
  const k = rows.length;
  return {
    x: tf.tensor2d(normalizeInputs(norm, gatherRows(set.features, set.inputDim, rows), k), [k, set.inputDim]),
    y: tf.tensor2d(normalizeOutputs(norm, gatherRows(set.actions, set.outputDim, rows), k), [k, set.outputDim]),
    w: tf.tensor1d(gatherRows(set.weights, 1, rows)),
  };
}

/** Weighted loss over a held-out set (the same loss the trainer minimizes). */
export function evalLoss(policy: MlpPolicy, t: EvalTensors): number {
  return tf.tidy(() => policy.loss(t.x, t.y, t.w).dataSync()[0]);
}

/**
 * Seeded split by episode: shuffles episode indices and holds out round(fraction * E), at least one
 * when there are two or more episodes. Rows with weight 0 are dropped from both sides.
 */
export function splitEpisodes(set: TrainingSet, fraction: number, rng: SeededRandom): { train: Int32Array; val: Int32Array } {
  const present = [...new Set(set.episode)].sort((a, b) => a - b);
  const order = rng.shuffle(Int32Array.from(present));
  const k = present.length >= 2 && fraction > 0 ? Math.min(present.length - 1, Math.max(1, Math.round(fraction * present.length))) : 0;
  const held = new Set(order.subarray(0, k));
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < set.count; i++) {
    if (!(set.weights[i] > 0)) continue;
    (held.has(set.episode[i]) ? val : train).push(i);
  }
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

export function gatherRows(src: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * width, rows[i] * width + width), i * width);
  return out;
}

function uniqueEpisodes(set: TrainingSet, rows: Int32Array): string[] {
  return [...new Set(Array.from(rows, (r) => set.episode[r]))].sort((a, b) => a - b).map((e) => set.episodeIds[e]);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

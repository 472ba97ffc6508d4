import { Type, type Static } from '@sinclair/typebox';

/**
 * Input and output normalization stored with a policy (policy.json). Inputs are standardized
 * (x - mean) / std; outputs live in [-1, 1] through tanh and map to actions as offset + scale * y,
 * with offset and scale from the range of the training actions (slightly widened so the extremes
 * are reachable without saturating tanh).
 */
export const NormalizationSchema = Type.Object(
  {
    inputMean: Type.Array(Type.Number()),
    inputStd: Type.Array(Type.Number()),
    outputOffset: Type.Array(Type.Number()),
    outputScale: Type.Array(Type.Number()),
  },
  { $id: 'takeover/Normalization' },
);
export type Normalization = Static<typeof NormalizationSchema>;

/** absolute std floor: an input that varies less is treated as constant */
const MIN_STD = 1e-3;
/**
 * With the feature fields given, an input's std is at least this share of the largest std in its
 * field (same units): a component that hardly moves in the data (the tilt entries of a
 * downward gripper's rotation) is then not blown up to hundreds of sigma by a few degrees of tilt.
 */
export const FIELD_STD_SHARE = 0.1;
const MIN_SCALE = 1e-3;
/** widening of the action range so targets at the extremes stay inside tanh's open range */
const OUTPUT_MARGIN = 1.1;

/**
 * Statistics over the samples with positive weight only, so that a sample with weight 0 (say a
 * rewound step) has no influence on the trained policy at all, not even through normalization.
 * `fieldSizes` (the sizes of the feature spec's fields, in order) turns on the floor relative to
 * each field's spread (FIELD_STD_SHARE); without it only the absolute floor applies. The std
 * is stored in policy.json, so a policy normalizes as it was trained whichever floor made it.
 */
export function computeNormalization(x: Float32Array, y: Float32Array, weights: Float32Array, inputDim: number, outputDim: number, fieldSizes?: readonly number[]): Normalization {
  const n = weights.length;
  if (x.length !== n * inputDim || y.length !== n * outputDim) throw new Error(`computeNormalization: ${n} weights but ${x.length / inputDim} inputs and ${y.length / outputDim} targets`);
  if (fieldSizes && fieldSizes.reduce((a, b) => a + b, 0) !== inputDim) throw new Error(`computeNormalization: field sizes add up to ${fieldSizes.reduce((a, b) => a + b, 0)}, not the input size ${inputDim}`);
  const mean = new Float64Array(inputDim);
  const sq = new Float64Array(inputDim);
  const lo = new Float64Array(outputDim).fill(Infinity);
  const hi = new Float64Array(outputDim).fill(-Infinity);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!(weights[i] > 0)) continue;
    count++;
    for (let j = 0; j < inputDim; j++) mean[j] += x[i * inputDim + j];
    for (let j = 0; j < outputDim; j++) {
      const v = y[i * outputDim + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  if (count === 0) throw new Error('computeNormalization: no sample has a positive weight');
  for (let j = 0; j < inputDim; j++) mean[j] /= count;
  for (let i = 0; i < n; i++) {
    if (!(weights[i] > 0)) continue;
    for (let j = 0; j < inputDim; j++) sq[j] += (x[i * inputDim + j] - mean[j]) ** 2;
  }
  const std = Array.from(sq, (s) => Math.max(MIN_STD, Math.sqrt(s / count)));
  if (fieldSizes) {
    let at = 0;
    for (const size of fieldSizes) {
      let widest = 0;
      for (let j = at; j < at + size; j++) widest = Math.max(widest, std[j]);
      for (let j = at; j < at + size; j++) std[j] = Math.max(std[j], FIELD_STD_SHARE * widest);
      at += size;
    }
  }
  return {
    inputMean: Array.from(mean),
    inputStd: std,
    outputOffset: Array.from(lo, (l, j) => (l + hi[j]) / 2),
    outputScale: Array.from(lo, (l, j) => Math.max(MIN_SCALE, ((hi[j] - l) / 2) * OUTPUT_MARGIN)),
  };
}

/** Standardizes `count` rows of raw features into `out` (same layout). */
export function normalizeInputs(norm: Normalization, x: Float32Array, count: number, out: Float32Array = new Float32Array(x.length)): Float32Array {
  const d = norm.inputMean.length;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] - norm.inputMean[j]) / norm.inputStd[j];
  }
  return out;
}

/** Maps raw actions into the network's output space (the inverse of denormalizeOutputs). */
export function normalizeOutputs(norm: Normalization, y: Float32Array, count: number, out: Float32Array = new Float32Array(y.length)): Float32Array {
  const d = norm.outputOffset.length;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (y[i * d + j] - norm.outputOffset[j]) / norm.outputScale[j];
  }
  return out;
}

/** Network outputs -> actions, clipped into [-1, 1] (NaN becomes 0, as core/action.ts clipAction). */
export function denormalizeOutputs(norm: Normalization, y: ArrayLike<number>, count: number, out: Float32Array): Float32Array {
  const d = norm.outputOffset.length;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < d; j++) {
      const v = norm.outputOffset[j] + norm.outputScale[j] * y[i * d + j];
      out[i * d + j] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
    }
  }
  return out;
}

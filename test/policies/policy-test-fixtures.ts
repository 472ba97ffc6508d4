import { makeFeatureSpec, type FeatureSpecVersion } from '../../policies/observation-features.ts';
import { MlpPolicy, type MlpArchitecture } from '../../policies/mlp-policy.ts';
import type { NewPolicyManifest } from '../../policies/policy-registry.ts';
import type { Normalization } from '../../policies/normalization.ts';

/** A small untrained policy and its manifest, for registry and runtime tests. */
export function smallPolicy(seed = 1, hidden = [16, 16], featureVersion?: FeatureSpecVersion): { manifest: NewPolicyManifest; weights: Float32Array[] } {
  const spec = makeFeatureSpec(7, ['cube', 'target'], featureVersion);
  const arch: MlpArchitecture = { kind: 'mlp', inputDim: spec.dim, hidden, outputDim: 7 };
  const norm: Normalization = {
    inputMean: new Array(spec.dim).fill(0),
    inputStd: new Array(spec.dim).fill(1),
    outputOffset: new Array(7).fill(0),
    outputScale: new Array(7).fill(1),
  };
  const p = MlpPolicy.init(arch, norm, seed);
  const weights = p.weights();
  p.dispose();
  return {
    weights,
    manifest: {
      parentVersion: null,
      task: 'place',
      architecture: arch,
      observation: spec,
      action: { space: 'ee-delta', dim: 7, description: 'test' },
      normalization: norm,
      controlRateHz: 20,
      training: null,
      evaluation: [],
    },
  };
}

/** An observation shaped like the sim's (7 joints, a cube and a target). */
export function sampleObservation(k = 0) {
  return {
    t: 0,
    q: Float64Array.from([0, -0.78, 0, -2.35, 0, 1.57, 0.78].map((v) => v + 0.01 * k)),
    qd: new Float64Array(7),
    eePos: Float64Array.from([0.5, 0, 0.3]),
    eeQuat: Float64Array.from([0, 1, 0, 0]),
    gripper: 0.08,
    objects: [
      { name: 'cube', pos: [0.6, 0.1 + 0.001 * k, 0.025], quat: [1, 0, 0, 0] },
      { name: 'target', pos: [0.4, -0.2, 0], quat: [1, 0, 0, 0] },
    ],
  };
}

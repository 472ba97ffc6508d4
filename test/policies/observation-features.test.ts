import { describe, expect, it } from 'vitest';
import { extractFeatures, featureSpecFromObservation, makeFeatureSpec } from '../../policies/observation-features.ts';

const obs = {
  t: 0,
  q: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
  qd: [1, 2, 3, 4, 5, 6, 7],
  eePos: [0.5, 0, 0.3],
  eeQuat: [-0.5, 0.5, -0.5, 0.5],
  gripper: 0.08,
  objects: [
    { name: 'cube', pos: [0.6, 0.1, 0.025], quat: [1, 0, 0, 0] },
    { name: 'target', pos: [0.4, -0.2, 0.0], quat: [1, 0, 0, 0] },
  ],
};

describe('observation features', () => {
  it('lays out joints, EE, gripper and objects as the spec says', () => {
    const spec = featureSpecFromObservation(obs);
    expect(spec.dim).toBe(7 + 7 + 3 + 4 + 1 + 10 + 13);
    expect(spec.fields.map((f) => f.name)).toContain('target.relcube');
    const x = extractFeatures(spec, obs);
    expect(Array.from(x.slice(0, 7))).toEqual(obs.q.map(Math.fround));
    // quaternion sign-normalized to w >= 0
    expect(Array.from(x.slice(17, 21))).toEqual([0.5, -0.5, 0.5, -0.5]);
    expect(x[21]).toBeCloseTo(0.08);
    // cube relative to EE
    expect(x[29]).toBeCloseTo(0.1);
    expect(x[30]).toBeCloseTo(0.1);
    expect(x[31]).toBeCloseTo(-0.275);
    // target relative to cube (last three)
    expect(Array.from(x.slice(-3)).map((v) => +v.toFixed(4))).toEqual([-0.2, -0.3, -0.025]);
  });

  it('writes at an offset into a shared batch buffer', () => {
    const spec = featureSpecFromObservation(obs);
    const buf = new Float32Array(spec.dim * 2);
    extractFeatures(spec, obs, buf, spec.dim);
    expect(buf[0]).toBe(0);
    expect(buf[spec.dim]).toBeCloseTo(0.1);
  });

  it('names a missing object, a wrong joint count and a non-finite value', () => {
    const spec = makeFeatureSpec(7, ['cube', 'peg']);
    expect(() => extractFeatures(spec, obs)).toThrow(/no object 'peg'.*cube, target/);
    expect(() => extractFeatures(makeFeatureSpec(6, []), obs)).toThrow(/expects 6/);
    const bad = { ...obs, gripper: NaN };
    expect(() => extractFeatures(featureSpecFromObservation(obs), bad)).toThrow(/feature 21 is not finite/);
  });
});

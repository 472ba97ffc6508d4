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
    const spec = makeFeatureSpec(7, ['cube', 'target'], 1);
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

  it('new specs use the current version (6-number rotations)', () => {
    const spec = featureSpecFromObservation(obs);
    expect(spec.version).toBe(2);
    expect(spec.dim).toBe(7 + 7 + 3 + 6 + 1 + 12 + 15);
    expect(spec.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['eeRot6', 'cube.rot6', 'target.rot6']));
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
    expect(() => extractFeatures(makeFeatureSpec(7, ['cube', 'target'], 1), bad)).toThrow(/feature 21 is not finite/);
    expect(() => extractFeatures(featureSpecFromObservation(obs), bad)).toThrow(/feature 23 is not finite/);
  });
});

describe('orientation features along an expert episode', () => {
  it('version 2 is continuous (no sign jumps); version 1 jumps to its mirror image', async () => {
    const { ScriptedExpert } = await import('../../sim/scripted-expert.ts');
    const { actingLoop, runActing } = await import('../sim/support/acting-episode.ts');
    const sim = await actingLoop('place');
    const v1 = makeFeatureSpec(7, ['cube', 'target'], 1);
    const v2 = makeFeatureSpec(7, ['cube', 'target'], 2);
    expect(v2.version).toBe(2);
    expect(v2.dim).toBe(v1.dim + 6);
    const rows: { a: Float32Array; b: Float32Array }[] = [];
    await runActing(sim, new ScriptedExpert('place', { controlHz: 20 }), 3, (_s, o) => rows.push({ a: extractFeatures(v1, o), b: extractFeatures(v2, o) }));
    expect(rows.length).toBeGreaterThan(50);
    // the EE orientation block: q, qd, eePos come first
    const maxStep = (key: 'a' | 'b', size: number) => {
      let m = 0;
      for (let i = 1; i < rows.length; i++) {
        for (let j = 17; j < 17 + size; j++) m = Math.max(m, Math.abs(rows[i][key][j] - rows[i - 1][key][j]));
      }
      return m;
    };
    const smooth = maxStep('b', 6);
    const flipping = maxStep('a', 4);
    // a 50 ms control step turns the gripper a few degrees at most: small change in a rotation's columns
    expect(smooth).toBeLessThan(0.15);
    // the old feature jumps by about twice a component (q -> -q) when w changes sign
    expect(flipping).toBeGreaterThan(0.5);
  });

  it('refuses a spec version this build cannot extract, naming it', async () => {
    const { parseManifest } = await import('../../policies/policy-manifest.ts');
    const spec = { ...makeFeatureSpec(7, ['cube']), version: 7 } as never;
    expect(() => extractFeatures(spec, obs)).toThrow(/feature spec version 7 is not supported.*1, 2/);
    expect(() => parseManifest(JSON.stringify({ format: 'takeover-policy/1', observation: { version: 9 } }), 'x/policy.json')).toThrow(
      /x\/policy.json: observation feature spec version 9 is not supported/,
    );
  });

  it('version 2 gives the same rotation for q and -q, and the identity for [1, 0, 0, 0]', () => {
    const spec = makeFeatureSpec(7, ['cube', 'target'], 2);
    const neg = { ...obs, eeQuat: obs.eeQuat.map((v) => -v) };
    expect(Array.from(extractFeatures(spec, neg))).toEqual(Array.from(extractFeatures(spec, obs)));
    const x = extractFeatures(spec, obs);
    // cube.rot6 follows cube.pos (3) after gripper (index 23): identity columns
    expect(Array.from(x.slice(27, 33))).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

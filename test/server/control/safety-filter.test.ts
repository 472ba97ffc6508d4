import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SafetyFilter, type SafetyLimits } from '../../../server/control/safety-filter.ts';
import { MockArmKinematics, MOCK_HOME, MOCK_LOWER, MOCK_UPPER, MOCK_VELOCITY } from '../../../server/robots/mock-arm-kinematics.ts';

const kin = new MockArmKinematics();
const limits: SafetyLimits = {
  lower: MOCK_LOWER,
  upper: MOCK_UPPER,
  velocityLimit: MOCK_VELOCITY,
  workspaceMin: [0.2, -0.4, 0.05],
  workspaceMax: [0.8, 0.4, 0.7],
  maxEeStep: 0.02,
  dt: 0.05,
};
const TOL = 1e-9;

// Any double at all, NaN and infinities included, plus values near the limits.
const anyNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308, Number.MIN_VALUE),
  fc.double({ min: -4, max: 4, noNaN: true }),
);
const anyVector = fc.array(anyNumber, { minLength: 6, maxLength: 6 });

/** A joint reference inside the limits whose EE is inside the workspace box. */
const validRef = fc
  .tuple(...Array.from({ length: 6 }, (_, i) => fc.double({ min: -1, max: 1, noNaN: true }).map((u) => MOCK_HOME[i] + u * 0.3 * (i < 3 ? 0.4 : 2))))
  .map((v) => Float64Array.from(v, (x, i) => Math.min(MOCK_UPPER[i], Math.max(MOCK_LOWER[i], x))))
  .filter((q) => {
    const p = new Float64Array(3);
    kin.fk(q, p, new Float64Array(4));
    return p.every((x, i) => x >= limits.workspaceMin[i] && x <= limits.workspaceMax[i]);
  });

function checkCommand(ref: Float64Array, out: Float64Array): void {
  const pRef = new Float64Array(3);
  const p = new Float64Array(3);
  const qq = new Float64Array(4);
  kin.fk(ref, pRef, qq);
  kin.fk(out, p, qq);
  for (let i = 0; i < 6; i++) {
    expect(Number.isFinite(out[i])).toBe(true);
    expect(out[i]).toBeGreaterThanOrEqual(MOCK_LOWER[i]);
    expect(out[i]).toBeLessThanOrEqual(MOCK_UPPER[i]);
    expect(Math.abs(out[i] - ref[i])).toBeLessThanOrEqual(MOCK_VELOCITY[i] * limits.dt + TOL);
  }
  for (let i = 0; i < 3; i++) {
    expect(p[i]).toBeGreaterThanOrEqual(limits.workspaceMin[i] - TOL);
    expect(p[i]).toBeLessThanOrEqual(limits.workspaceMax[i] + TOL);
  }
  expect(Math.hypot(p[0] - pRef[0], p[1] - pRef[1], p[2] - pRef[2])).toBeLessThanOrEqual(limits.maxEeStep + TOL);
}

describe('SafetyFilter', () => {
  it('never lets a command leave the limits, whatever the request (NaN included)', () => {
    const f = new SafetyFilter(limits, kin);
    const out = new Float64Array(6);
    fc.assert(
      fc.property(validRef, anyVector, (ref, req) => {
        f.filterJoints(ref, req, out);
        checkCommand(ref, out);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps outputs finite and within joint limits even with a broken reference', () => {
    const f = new SafetyFilter(limits, kin);
    const out = new Float64Array(6);
    fc.assert(
      fc.property(anyVector, anyVector, (ref, req) => {
        const clamped = f.filterJoints(ref, req, out);
        for (let i = 0; i < 6; i++) {
          expect(Number.isFinite(out[i])).toBe(true);
          expect(out[i]).toBeGreaterThanOrEqual(MOCK_LOWER[i]);
          expect(out[i]).toBeLessThanOrEqual(MOCK_UPPER[i]);
        }
        if (ref.some((x) => !Number.isFinite(x)) || req.some((x) => !Number.isFinite(x))) expect(clamped).toContain('non_finite');
      }),
      { numRuns: 2000 },
    );
  });

  it('passes a small safe move unchanged and reports nothing', () => {
    const f = new SafetyFilter(limits, kin);
    const req = Float64Array.from(MOCK_HOME);
    req[0] += 0.005;
    req[5] += 0.01;
    const out = new Float64Array(6);
    expect(f.filterJoints(MOCK_HOME, req, out)).toEqual([]);
    expect(Array.from(out)).toEqual(Array.from(req));
  });

  it('names each limit that acted', () => {
    const f = new SafetyFilter(limits, kin);
    const out = new Float64Array(6);
    const far = Float64Array.from(MOCK_HOME);
    far[0] = 5;
    expect(f.filterJoints(MOCK_HOME, far, out)).toContain('joint_velocity');
    const nan = Float64Array.from(MOCK_HOME);
    nan[2] = NaN;
    expect(f.filterJoints(MOCK_HOME, nan, out)).toEqual(['non_finite']);
    expect(Array.from(out)).toEqual(Array.from(MOCK_HOME));
    // 0.02 m per tick at most even though the joint velocity would allow 0.025 m
    const step = Float64Array.from(MOCK_HOME);
    step[1] += 0.025;
    expect(f.filterJoints(MOCK_HOME, step, out)).toEqual(['ee_step']);
    expect(out[1] - MOCK_HOME[1]).toBeGreaterThan(0.019);
    expect(out[1] - MOCK_HOME[1]).toBeLessThanOrEqual(0.02 + TOL);
  });

  it('stops at the workspace wall', () => {
    const f = new SafetyFilter(limits, kin);
    const ref = Float64Array.from(MOCK_HOME);
    ref[2] = 0.155; // EE at z = 0.055, 5 mm above the floor of the box
    const req = Float64Array.from(ref);
    req[2] = 0.14;
    const out = new Float64Array(6);
    expect(f.filterJoints(ref, req, out)).toContain('workspace');
    expect(out[2] - 0.1).toBeGreaterThanOrEqual(0.05 - TOL);
    expect(out[2]).toBeLessThan(0.155);
  });

  it('clamps EE targets into the box and to the max step, and never passes NaN', () => {
    const f = new SafetyFilter(limits, kin);
    fc.assert(
      fc.property(fc.array(anyNumber, { minLength: 3, maxLength: 3 }), (t) => {
        const ref = [0.5, 0, 0.3];
        const target = Float64Array.from(t);
        f.clampEeTarget(ref, target);
        for (let i = 0; i < 3; i++) {
          expect(Number.isFinite(target[i])).toBe(true);
          expect(target[i]).toBeGreaterThanOrEqual(limits.workspaceMin[i] - TOL);
          expect(target[i]).toBeLessThanOrEqual(limits.workspaceMax[i] + TOL);
        }
        expect(Math.hypot(target[0] - 0.5, target[1], target[2] - 0.3)).toBeLessThanOrEqual(limits.maxEeStep + TOL);
      }),
      { numRuns: 2000 },
    );
  });

  it('sanitizes the gripper command', () => {
    expect(SafetyFilter.gripper(NaN, 0.5)).toBe(0.5);
    expect(SafetyFilter.gripper(Infinity, NaN)).toBe(0);
    expect(SafetyFilter.gripper(3, 0)).toBe(1);
    expect(SafetyFilter.gripper(-0.25, 0)).toBe(-0.25);
  });

  it('rejects limits that disagree with the kinematics', () => {
    expect(() => new SafetyFilter({ ...limits, lower: new Float64Array(5) }, kin)).toThrow(/joint count/);
  });
});

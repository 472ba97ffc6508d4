import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TriggerGripper, XrClutch } from '../../../web/input/xr-clutch.ts';
import { quatMul } from '../../../web/scene/ghost-pose.ts';

const unitQuat = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .filter((q) => Math.hypot(...q) > 0.1)
  .map((q) => {
    const n = Math.hypot(...q);
    return q.map((v) => v / n) as [number, number, number, number];
  });
const vec = fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }));
const sameRotation = (a: number[], b: number[]) => Math.abs(Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]) - 1) < 1e-9;

describe('XrClutch', () => {
  it('does nothing until engaged', () => {
    expect(new XrClutch().update([1, 2, 3], [1, 0, 0, 0])).toBeNull();
  });

  it('an unmoved controller keeps the target where it started', () => {
    fc.assert(
      fc.property(vec, unitQuat, vec, unitQuat, (c, cq, e, eq) => {
        const k = new XrClutch();
        k.engage(c, cq, e, eq);
        const t = k.update(c, cq)!;
        return t.pos.every((v, i) => Math.abs(v - e[i]) < 1e-12) && sameRotation(t.quat, eq);
      }),
    );
  });

  it('moves the target by the controller translation (times the scale) and its rotation (base frame)', () => {
    fc.assert(
      fc.property(vec, unitQuat, vec, unitQuat, vec, unitQuat, (c, cq, e, eq, d, dq) => {
        const k = new XrClutch(0.5);
        k.engage(c, cq, e, eq);
        const t = k.update([c[0] + d[0], c[1] + d[1], c[2] + d[2]], quatMul(dq, cq))!;
        const posOk = t.pos.every((v, i) => Math.abs(v - (e[i] + 0.5 * d[i])) < 1e-9);
        return posOk && sameRotation(t.quat, quatMul(dq, eq));
      }),
    );
  });

  it('re-gripping continues from the frozen target, not from the controller', () => {
    const k = new XrClutch();
    k.engage([0, 0, 0], [1, 0, 0, 0], [0.5, 0, 0.3], [1, 0, 0, 0]);
    k.update([0.1, 0, 0], [1, 0, 0, 0]);
    k.release();
    expect(k.update([5, 5, 5], [1, 0, 0, 0])).toBeNull();
    k.engage([5, 5, 5], [1, 0, 0, 0], k.target.pos, k.target.quat);
    const t = k.update([5, 5, 5.1], [1, 0, 0, 0])!;
    expect(t.pos[0]).toBeCloseTo(0.6, 12);
    expect(t.pos[2]).toBeCloseTo(0.4, 12);
  });
});

describe('TriggerGripper', () => {
  it('closes above 0.6, opens below 0.4, holds in between (hysteresis)', () => {
    const g = new TriggerGripper();
    expect([0.5, 0.7, 0.5, 0.41, 0.3, 0.55].map((v) => g.update(v))).toEqual([-1, 1, 1, 1, -1, -1]);
  });
});

describe('XrClutch.displacement', () => {
  it('is 0 when released or unmoved, and the target distance moved otherwise', () => {
    const k = new XrClutch(2);
    expect(k.displacement()).toBe(0);
    k.engage([0, 0, 0], [1, 0, 0, 0], [0.3, 0, 0.2], [1, 0, 0, 0]);
    expect(k.displacement()).toBe(0);
    k.update([0.003, 0.004, 0], [1, 0, 0, 0]);
    expect(k.displacement()).toBeCloseTo(0.01, 12); // scale 2
    k.release();
    expect(k.displacement()).toBe(0);
  });
});

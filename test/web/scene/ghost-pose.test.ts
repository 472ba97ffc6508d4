import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ghostPose } from '../../../web/scene/ghost-pose.ts';
import { applyEeDelta } from '../../../sim/ee-delta.ts';

const unit = fc.double({ min: -1, max: 1, noNaN: true });

describe('ghostPose', () => {
  it('is where the server would put the EE holding the proposed action for the horizon', () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 7, maxLength: 7 }), fc.tuple(unit, unit, unit, unit).filter((q) => Math.hypot(...q) > 0.2), (a, q) => {
        const n = Math.hypot(...q);
        const quat = q.map((v) => v / n);
        const pos = [0.4, -0.1, 0.3];
        const scale = { translation: 0.25, rotation: 1.5 };
        const g = ghostPose(pos, quat, a, scale, 0.5);
        const outPos = new Float64Array(3);
        const outQuat = new Float64Array(4);
        applyEeDelta(pos, quat, a, scale, 0.5, outPos, outQuat);
        const dot = g.quat.reduce((s, v, i) => s + v * outQuat[i], 0);
        return g.pos.every((v, i) => Math.abs(v - outPos[i]) < 1e-12) && Math.abs(Math.abs(dot) - 1) < 1e-9;
      }),
    );
  });
});

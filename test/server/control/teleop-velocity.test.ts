import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop } from '../../../server/control/control-loop.ts';
import type { Actor } from '../../../server/control/arbiter.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';
import { MOCK_VELOCITY } from '../../../server/robots/mock-arm-kinematics.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
const limits = { workspaceMin: [0.1, -0.6, 0.0] as const, workspaceMax: [0.9, 0.6, 0.8] as const, maxEeStep: 0.05 };
const RATE_HZ = 20;

const unit = fc.double({ min: -1, max: 1, noNaN: true });
const extreme = fc.constantFrom(-1, 1);
/** teleop deltas biased towards full speed and sign flips (the case that breaks a per-tick reference) */
const delta = fc.record({
  kind: fc.constant('delta' as const),
  action: fc.tuple(fc.oneof(extreme, unit), fc.oneof(extreme, unit), fc.oneof(extreme, unit), fc.oneof(extreme, unit), fc.oneof(extreme, unit), fc.oneof(extreme, unit), unit),
});
const pose = fc.record({
  kind: fc.constant('pose' as const),
  pos: fc.tuple(fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.double({ min: -0.6, max: 0.6, noNaN: true }), fc.double({ min: 0, max: 0.8, noNaN: true })),
  quat: fc.constant([1, 0, 0, 0]),
  gripper: unit,
});
/** what happens between two ticks: some teleops, each after a fraction of the period */
const betweenTicks = fc.array(fc.record({ after: fc.double({ min: 0, max: 0.3, noNaN: true }), cmd: fc.oneof({ weight: 4, arbitrary: delta }, { weight: 1, arbitrary: pose }) }), { maxLength: 5 });

describe('teleop between ticks, at the bridge', () => {
  it('consecutive joint targets never differ by more than the velocity limit x tick, reversals included', () => {
    fc.assert(
      fc.property(fc.array(betweenTicks, { minLength: 1, maxLength: 25 }), fc.constantFrom(0.01, 0.05, 0.3), (ticks, tau) => {
        const clock = new ManualClock();
        const bridge = new MockBridge({ id: 'r1', tau });
        void bridge.connect();
        // what the arm receives, and whether a hold came in between (a hold is not a target)
        const sent: { q: Float64Array; afterHold: boolean }[] = [];
        let holds = 0;
        bridge.onCommand = (cmd) => {
          sent.push({ q: Float64Array.from(cmd.q), afterHold: bridge.holds !== holds });
          holds = bridge.holds;
        };
        const loop = new ControlLoop({ robotId: 'r1', bridge, kinematics: bridge.kinematics, limits, clock, rateHz: RATE_HZ, task: 'reach', seed: 1 });
        loop.start();
        const dt = loop.dt;
        clock.advance(dt);
        loop.tick();
        expect(loop.request({ type: 'take_over', actor: alice })).toBeNull();
        for (const between of ticks) {
          let used = 0;
          for (const { after, cmd } of between) {
            const step = Math.min(after * dt, dt * 0.95 - used);
            used += Math.max(0, step);
            clock.advance(Math.max(0, step));
            loop.teleop('alice', cmd);
          }
          clock.advance(dt - used);
          loop.tick();
        }
        for (let k = 1; k < sent.length; k++) {
          if (sent[k].afterHold) continue;
          for (let i = 0; i < MOCK_VELOCITY.length; i++) {
            const d = Math.abs(sent[k].q[i] - sent[k - 1].q[i]);
            if (d > MOCK_VELOCITY[i] * dt + 1e-9) {
              throw new Error(`targets ${k - 1} -> ${k}: joint ${i} moved ${d.toFixed(4)} rad, limit ${(MOCK_VELOCITY[i] * dt).toFixed(4)} (${(d / (MOCK_VELOCITY[i] * dt)).toFixed(2)}x)`);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop } from '../../../server/control/control-loop.ts';
import { rateOk } from '../../../server/control/loop-status.ts';
import { buildStateFrame } from '../../../server/control-plane/state-frame.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';

const limits = { workspaceMin: [0.2, -0.4, 0.05] as [number, number, number], workspaceMax: [0.8, 0.4, 0.7] as [number, number, number], maxEeStep: 0.05 };

describe('loop rate against its configured rate', () => {
  it('flags a rate under 90% of the configured one, and not before it is measured', () => {
    expect(rateOk(NaN, 20)).toBe(true);
    expect(rateOk(18, 20)).toBe(true);
    expect(rateOk(17.9, 20)).toBe(false);
  });

  it('a loop ticked slower than configured says so in its status and its state frames', async () => {
    const clock = new ManualClock();
    const bridge = new MockBridge({ id: 'r1' });
    await bridge.connect();
    const loop = new ControlLoop({ robotId: 'r1', bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20 });
    const frame = () => buildStateFrame({ id: 'r1', kind: 'mock', task: 'none', loop, limits, actionScale: { translation: 0.05, rotation: 0.2 }, model: null }, 0);
    for (let i = 0; i < 100; i++) { clock.advance(0.05); loop.tick(clock.now()); }
    expect(loop.status().rateOk).toBe(true);
    expect(frame().rateOk).toBe(true);
    // a starved loop: ticks 70 ms apart, each late by 20 ms
    for (let i = 0; i < 200; i++) { clock.advance(0.07); loop.tick(clock.now() - 0.02); }
    const st = loop.status();
    expect(st.measuredRateHz!).toBeLessThan(15);
    expect(st.rateOk).toBe(false);
    expect(st.jitterP99Ms!).toBeCloseTo(20, 5);
    expect(frame().rateOk).toBe(false);
  });
});

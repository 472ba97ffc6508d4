import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop } from '../../../server/control/control-loop.ts';
import type { Actor } from '../../../server/control/arbiter.ts';
import { executeCommand } from '../../../server/control/robot-command.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';
import { labelSteps } from '../../../recordings/step-labels.ts';
import { MemoryRecorder } from '../support/memory-recorder.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
const bob: Actor = { operatorId: 'bob', role: 'operator' };
const limits = { workspaceMin: [0.2, -0.4, 0.05] as const, workspaceMax: [0.8, 0.4, 0.7] as const, maxEeStep: 0.05 };
const move = [0, 1, 0, 0, 0, 0, 1];

async function setup() {
  const clock = new ManualClock();
  const bridge = new MockBridge({ id: 'r1' });
  await bridge.connect();
  const recorder = new MemoryRecorder();
  const loop = new ControlLoop({
    robotId: 'r1', bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20, recorder, task: 'reach', seed: 1, newEpisodeId: () => 'ep0',
    policy: { name: 'constant', version: 'test-v1', propose: () => [0.5, 0, 0, 0, 0, 0, -1] },
  });
  loop.start();
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      clock.advance(loop.dt);
      loop.tick();
    }
  };
  return { loop, recorder, run };
}

describe('implicit take-over (teleop with takeOver)', () => {
  it('takes an AUTONOMOUS robot over on the first input and records the steps as an intervention', async () => {
    const t = await setup();
    t.run(5);
    // without the opt-in, teleop on a robot nobody holds is refused as before
    expect(executeCommand(t.loop, alice, { type: 'teleop', robot: 'r1', kind: 'delta', action: move })).toMatchObject({ code: 'TKO_ERR_NOT_LEASE_HOLDER' });
    expect(t.loop.mode).toBe('AUTONOMOUS');
    expect(executeCommand(t.loop, alice, { type: 'teleop', robot: 'r1', kind: 'delta', action: move, takeOver: true })).toBeNull();
    expect(t.loop.mode).toBe('INTERVENING');
    expect(t.loop.lease).toBe('alice');
    expect(t.loop.source).toBe('operator'); // the input acted at once
    t.run(5);
    const ev = t.recorder.events.map((x) => x.e);
    expect(ev.find((e) => e.type === 'mode' && e.to === 'INTERVENING')).toMatchObject({ from: 'AUTONOMOUS', reason: "take_over by 'alice'" });
    expect(ev.find((e) => e.type === 'lease')).toMatchObject({ to: 'alice' });
    const labels = labelSteps(t.recorder.steps.map((s) => ({ step: s.step, source: s.source, mode: s.mode })), [], 'policy').map((l) => l.cls);
    expect(labels.slice(5).every((l) => l === 'intervention')).toBe(true);
    expect(labels.slice(0, 5)).toContain('pre_intervention');
  });

  it('respects a lease someone else holds: refused, and the holder keeps the robot', async () => {
    const t = await setup();
    t.run(2);
    expect(t.loop.request({ type: 'take_over', actor: bob })).toBeNull();
    expect(executeCommand(t.loop, alice, { type: 'teleop', robot: 'r1', kind: 'delta', action: move, takeOver: true })).toMatchObject({ code: 'TKO_ERR_LEASE_HELD' });
    expect(t.loop.lease).toBe('bob');
    // also while bob holds it PAUSED
    expect(t.loop.request({ type: 'pause', actor: bob })).toBeNull();
    expect(executeCommand(t.loop, alice, { type: 'teleop', robot: 'r1', kind: 'delta', action: move, takeOver: true })).toMatchObject({ code: 'TKO_ERR_LEASE_HELD' });
    expect(t.loop.lease).toBe('bob');
    expect(t.loop.mode).toBe('PAUSED');
  });
});

import { describe, expect, it } from 'vitest';
import type { ActionSource } from '../../../server/control/action-source.ts';
import type { Actor } from '../../../server/control/arbiter.ts';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop } from '../../../server/control/control-loop.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';
import { SimBridge } from '../../../server/robots/sim-bridge.ts';
import type { RobotBridge } from '../../../server/robots/robot-bridge.ts';
import type { ArmKinematics } from '../../../sim/kinematics.ts';
import { labelSteps } from '../../../recordings/step-labels.ts';
import { MemoryRecorder } from '../support/memory-recorder.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
const limits = { workspaceMin: [0.1, -0.6, 0.0] as const, workspaceMax: [0.9, 0.6, 0.8] as const, maxEeStep: 0.05 };
/** TEST DOUBLE policy: a constant sweep with a slow turn, so every step moves the arm. */
const sweep: ActionSource = { name: 'sweep', version: 'test-v1', propose: () => [0.6, 0.4, -0.3, 0, 0, 0.3, -1] };

async function setup(bridge: RobotBridge & { kinematics: ArmKinematics }) {
  await bridge.connect();
  const clock = new ManualClock();
  const recorder = new MemoryRecorder();
  const loop = new ControlLoop({
    robotId: bridge.id, bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20, recorder, policy: sweep,
    task: 'place', seed: 3, newEpisodeId: () => 'ep', autoReset: false,
  });
  loop.start();
  const run = (ticks: number) => {
    for (let i = 0; i < ticks; i++) {
      clock.advance(loop.dt);
      loop.tick();
    }
  };
  return { clock, recorder, loop, run };
}

describe('ControlLoop rewind', () => {
  it('restores a sim robot exactly, hands the operator control, and labels the undone steps rewound', async () => {
    const bridge = await SimBridge.create({ id: 'sim1', task: 'place', seed: 3 });
    const { loop, run, recorder } = await setup(bridge);
    run(30);
    const atStep10 = recorder.steps.find((s) => s.step === 10)!.obs;
    expect(loop.request({ type: 'take_over', actor: alice })).toBeNull();
    expect(loop.rewind(alice, { toStep: 10 })).toBeNull();
    expect(loop.mode).toBe('INTERVENING');
    // the physics is back exactly where step 10 was observed
    const now = bridge.observe();
    expect(Array.from(now.q)).toEqual(atStep10.q);
    expect(Array.from(now.eePos)).toEqual(atStep10.eePos);
    expect(now.objects).toEqual(atStep10.objects);
    run(5); // the operator corrects (holding still here)
    const ev = recorder.events.map((e) => e.e).find((e) => e.type === 'rewind')!;
    expect(ev).toMatchObject({ fromStep: 29, toStep: 9, how: 'restore' });
    const labels = labelSteps(recorder.steps, recorder.events.map((e) => e.e) as never, 'policy');
    const cls = (step: number) => labels[recorder.steps.findIndex((s) => s.step === step)].cls;
    // the trajectory in effect is 0..9 then the correction, so 9 leads into the intervention
    expect(cls(9)).toBe('pre_intervention');
    expect(cls(30)).toBe('intervention');
    expect(cls(10)).toBe('rewound');
    expect(cls(29)).toBe('rewound');
    expect(recorder.steps.at(-1)!.step).toBe(34); // indices keep increasing after a rewind
    expect(recorder.steps.at(-1)!.mode).toBe('INTERVENING');
  });

  it('rewinds by seconds and refuses targets outside the remembered history', async () => {
    const bridge = await SimBridge.create({ id: 'sim2', task: 'place', seed: 4 });
    const { loop, run } = await setup(bridge);
    run(40);
    loop.request({ type: 'take_over', actor: alice });
    expect(loop.rewind(alice, { seconds: 100 })).toMatchObject({ code: 'TKO_ERR_REWIND_RANGE' });
    expect(loop.rewind(alice, { toStep: 500 })).toMatchObject({ code: 'TKO_ERR_REWIND_RANGE' });
    expect(loop.rewind(alice, { seconds: -1 })).toMatchObject({ code: 'TKO_ERR_REWIND_RANGE' });
    expect(loop.mode).toBe('INTERVENING');
    const viewer: Actor = { operatorId: 'v', role: 'viewer' };
    expect(loop.rewind(viewer, { seconds: 1 })).toMatchObject({ code: 'TKO_ERR_FORBIDDEN' });
    expect(loop.rewind(alice, { seconds: 1 })).toBeNull();
    expect(loop.mode).toBe('INTERVENING');
  });

  it('says a step undone by an earlier rewind was undone, not that it is beyond the remembered seconds', async () => {
    const bridge = await SimBridge.create({ id: 'sim3', task: 'place', seed: 5 });
    const { loop, run } = await setup(bridge);
    run(30);
    loop.request({ type: 'take_over', actor: alice });
    expect(loop.rewind(alice, { toStep: 10 })).toBeNull(); // undoes 10..29
    run(5); // steps 30..34
    const undone = loop.rewind(alice, { toStep: 20 });
    expect(undone).toMatchObject({ code: 'TKO_ERR_REWIND_RANGE' });
    expect(undone!.message).toContain('step 20 was undone by an earlier rewind');
    expect(undone!.message).not.toContain('remembered');
    // a step still in effect on either side of the undone ones can be rewound to
    expect(loop.rewind(alice, { toStep: 31 })).toBeNull();
    expect(loop.rewind(alice, { toStep: 5 })).toBeNull();
  });

  it('drives a robot without restoreState back along its joint path, within limits, recorded as recovery', async () => {
    const bridge = new MockBridge({ id: 'real1' });
    expect(bridge.capabilities.restoreState).toBe(false);
    const { loop, run, recorder } = await setup(bridge);
    run(30);
    const target = recorder.steps.find((s) => s.step === 12)!.obs.q;
    loop.request({ type: 'take_over', actor: alice });
    expect(loop.rewind(alice, { toStep: 12 })).toBeNull();
    expect(loop.mode).toBe('REWINDING');
    let ticks = 0;
    while (loop.mode === 'REWINDING' && ticks < 200) {
      run(1);
      ticks++;
      loop.heartbeat('alice');
    }
    expect(loop.mode).toBe('INTERVENING');
    const q = bridge.observe().q;
    for (let i = 0; i < q.length; i++) expect(Math.abs(q[i] - target[i])).toBeLessThan(0.02);
    const recovery = recorder.steps.filter((s) => s.recovery);
    expect(recovery.length).toBeGreaterThanOrEqual(17);
    const f = bridge.features;
    const dt = loop.dt;
    let prev = recorder.steps.find((s) => s.step === recovery[0].step - 1)!.jointTargets;
    for (const s of recovery) {
      s.jointTargets.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(f.lower[i] - 1e-9);
        expect(v).toBeLessThanOrEqual(f.upper[i] + 1e-9);
        expect(Math.abs(v - prev[i])).toBeLessThanOrEqual(f.velocityLimit[i] * dt + 1e-9);
      });
      prev = s.jointTargets;
    }
    const labels = labelSteps(recorder.steps, recorder.events.map((e) => e.e) as never, 'policy');
    expect(labels.filter((l) => l.cls === 'recovery').length).toBe(recovery.length);
  });
});

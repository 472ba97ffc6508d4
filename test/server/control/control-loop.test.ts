import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop, type ControlLoopOptions } from '../../../server/control/control-loop.ts';
import type { ActionSource } from '../../../server/control/action-source.ts';
import type { Actor } from '../../../server/control/arbiter.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';
import { MOCK_LOWER, MOCK_UPPER } from '../../../server/robots/mock-arm-kinematics.ts';
import { MemoryRecorder } from '../support/memory-recorder.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
const bob: Actor = { operatorId: 'bob', role: 'operator' };
const limits = { workspaceMin: [0.2, -0.4, 0.05] as const, workspaceMax: [0.8, 0.4, 0.7] as const, maxEeStep: 0.05 };

/** TEST DOUBLE policy: always the same action. */
const constantPolicy = (a: number[]): ActionSource => ({ name: 'constant', version: 'test-v1', propose: () => a });

async function setup(extra: Partial<ControlLoopOptions> = {}) {
  const clock = new ManualClock();
  const bridge = new MockBridge({ id: 'r1' });
  await bridge.connect();
  const recorder = new MemoryRecorder();
  let n = 0;
  const loop = new ControlLoop({
    robotId: 'r1', bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20, recorder,
    task: 'reach', seed: 7, newEpisodeId: () => `ep${n++}`, ...extra,
  });
  loop.start();
  const run = (ticks: number) => {
    for (let i = 0; i < ticks; i++) {
      clock.advance(loop.dt);
      loop.tick();
    }
  };
  return { clock, bridge, recorder, loop, run };
}

describe('ControlLoop', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup({ policy: constantPolicy([1, 0, 0, 0, 0, 0, -1]) });
  });

  it('runs the policy in AUTONOMOUS and records each step', () => {
    const x0 = s.bridge.observe().eePos[0];
    s.run(4);
    expect(s.bridge.observe().eePos[0]).toBeGreaterThan(x0 + 0.03);
    expect(s.recorder.steps).toHaveLength(4);
    const st = s.recorder.steps[3];
    expect(st).toMatchObject({ episodeId: 'ep0', step: 3, source: 'policy', mode: 'AUTONOMOUS', operatorId: null, policyVersion: 'test-v1' });
    expect(st.executed).toEqual([1, 0, 0, 0, 0, 0, -1]);
    expect(st.t).toBeCloseTo(0.2, 9);
    expect(s.recorder.episodes[0]).toMatchObject({ episodeId: 'ep0', robotId: 'r1', task: 'reach', seed: 7, kind: 'policy' });
  });

  it('hands control to the operator, applies teleop at once, and hands back', () => {
    s.run(1);
    expect(s.loop.request({ type: 'take_over', actor: alice })).toBeNull();
    s.run(1);
    expect(s.loop.source).toBe('operator');
    const before = s.bridge.commands;
    const y0 = s.bridge.observe().eePos[1];
    expect(s.loop.teleop('alice', { kind: 'delta', action: [0, 1, 0, 0, 0, 0, 1] }, performance.now())).toBeNull();
    expect(s.bridge.commands).toBe(before + 1); // handed to the bridge before the next tick
    expect(s.loop.commandLatencyMs.count).toBe(1);
    s.run(3);
    expect(s.bridge.observe().eePos[1]).toBeGreaterThan(y0 + 0.02);
    expect(s.recorder.steps.at(-1)).toMatchObject({ source: 'operator', mode: 'INTERVENING', operatorId: 'alice' });
    expect(s.loop.request({ type: 'hand_back', actor: alice })).toBeNull();
    s.run(1);
    expect(s.loop.mode).toBe('AUTONOMOUS');
    expect(s.recorder.steps.at(-1)!.source).toBe('policy');
    const kinds = s.recorder.events.map((e) => e.e.type);
    expect(kinds).toContain('mode');
    expect(kinds).toContain('lease');
  });

  it('moves the EE towards an operator pose target within the EE step limit', () => {
    s.loop.request({ type: 'take_over', actor: alice });
    s.run(1);
    const start = Float64Array.from(s.bridge.observe().eePos);
    s.loop.teleop('alice', { kind: 'pose', pos: [start[0], start[1] + 0.1, start[2]], quat: [1, 0, 0, 0], gripper: 0 });
    let prev = Float64Array.from(start);
    for (let i = 0; i < 20; i++) {
      s.run(1);
      s.loop.heartbeat('alice');
      const p = s.bridge.observe().eePos;
      expect(Math.hypot(p[0] - prev[0], p[1] - prev[1], p[2] - prev[2])).toBeLessThanOrEqual(limits.maxEeStep + 1e-6);
      prev = Float64Array.from(p);
    }
    expect(prev[1]).toBeCloseTo(start[1] + 0.1, 3);
  });

  it('refuses teleop from anyone but the lease holder', () => {
    expect(s.loop.teleop('alice', { kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] })?.code).toBe('TKO_ERR_NOT_LEASE_HOLDER');
    s.loop.request({ type: 'take_over', actor: alice });
    expect(s.loop.request({ type: 'take_over', actor: bob })?.code).toBe('TKO_ERR_LEASE_HELD');
    expect(s.loop.teleop('bob', { kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] })?.code).toBe('TKO_ERR_LEASE_HELD');
  });

  it('holds when the controlling operator goes silent past the heartbeat timeout', () => {
    s.loop.request({ type: 'take_over', actor: alice });
    s.run(1);
    s.loop.teleop('alice', { kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] });
    const holds = s.bridge.holds;
    s.run(6); // 0.3 s of silence: not yet
    expect(s.loop.mode).toBe('INTERVENING');
    s.run(1);
    expect(s.loop.mode).toBe('PAUSED');
    expect(s.loop.modeReason).toBe('heartbeat_timeout');
    expect(s.loop.lease).toBe('alice');
    expect(s.bridge.holds).toBeGreaterThan(holds);
    expect(s.loop.executed).toBeNull();
    expect(s.loop.teleop('alice', { kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] })?.code).toBe('TKO_ERR_BAD_TRANSITION');
    expect(s.loop.request({ type: 'resume', actor: alice })).toBeNull();
    expect(s.loop.mode).toBe('INTERVENING');
  });

  it('keeps an operator who sends heartbeats in control', () => {
    s.loop.request({ type: 'take_over', actor: alice });
    for (let i = 0; i < 40; i++) {
      s.run(1);
      s.loop.heartbeat('alice');
    }
    expect(s.loop.mode).toBe('INTERVENING');
  });

  it('holds the tick and counts a policy that misses its deadline', async () => {
    const late = await setup({
      policy: { name: 'slow', version: null, propose: () => { late.clock.advance(0.04); return [1, 0, 0, 0, 0, 0, 0]; } },
    });
    late.run(3);
    expect(late.loop.lateProposals).toBe(3);
    expect(late.recorder.steps.every((st) => st.executed === null && st.source === 'none' && st.proposed === null)).toBe(true);
  });

  it('survives a throwing policy and counts it', async () => {
    const bad = await setup({ policy: { name: 'bad', version: null, propose: () => { throw new Error('boom'); } } });
    bad.run(2);
    expect(bad.loop.policyErrors).toBe(2);
    expect(bad.loop.executed).toBeNull();
  });

  it('latches ESTOP: holds, refuses teleop and resume, resets to PAUSED', () => {
    s.loop.request({ type: 'take_over', actor: alice });
    expect(s.loop.request({ type: 'estop', actor: bob })).toBeNull();
    s.run(2);
    expect(s.loop.mode).toBe('ESTOP');
    expect(s.loop.executed).toBeNull();
    expect(s.loop.teleop('alice', { kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] })?.code).toBe('TKO_ERR_ESTOP_LATCHED');
    expect(s.loop.request({ type: 'resume', actor: alice })?.code).toBe('TKO_ERR_ESTOP_LATCHED');
    // bob pressed it: by default only bob (or an admin) resets it, not the lease holder
    expect(s.loop.request({ type: 'reset_estop', actor: alice })?.code).toBe('TKO_ERR_FORBIDDEN');
    expect(s.loop.request({ type: 'reset_estop', actor: bob })).toBeNull();
    expect(s.loop).toMatchObject({ mode: 'PAUSED', lease: 'alice' });
  });

  it('does not end or reset an e-stopped episode by itself (the step limit waits for reset_estop)', async () => {
    const t = await setup({ stepLimit: 5 });
    t.run(2);
    expect(t.loop.request({ type: 'estop', actor: alice })).toBeNull();
    const q = Array.from(t.bridge.observe().q);
    t.run(10);
    expect(t.recorder.ended).toEqual([]);
    expect(t.loop.episode).toMatchObject({ id: 'ep0', step: 12 });
    expect(Array.from(t.bridge.observe().q)).toEqual(q);
    expect(t.loop.request({ type: 'reset_estop', actor: alice })).toBeNull();
    t.run(1);
    expect(t.recorder.ended).toEqual([{ episodeId: 'ep0', outcome: 'timeout' }]);
  });

  it('ends an episode on the step limit and starts the next with a new seed', async () => {
    const t = await setup({ stepLimit: 5 });
    t.run(5);
    expect(t.recorder.ended).toEqual([{ episodeId: 'ep0', outcome: 'timeout' }]);
    expect(t.loop.episode).toMatchObject({ id: 'ep1', seed: 8, step: 0 });
    t.run(1);
    expect(t.recorder.steps.at(-1)).toMatchObject({ episodeId: 'ep1', step: 0 });
  });

  it('does not count steps held in PAUSED toward the step limit (a robot waiting for someone keeps its episode time)', async () => {
    const t = await setup({ stepLimit: 5, policy: constantPolicy([0, 0, 0, 0, 0, 0, -1]) });
    t.run(2);
    expect(t.loop.request({ type: 'pause', actor: alice })).toBeNull();
    t.run(10);
    expect(t.recorder.ended).toEqual([]);
    expect(t.loop.episode).toMatchObject({ id: 'ep0', step: 12, heldSteps: 10 });
    expect(t.loop.request({ type: 'resume', actor: alice })).toBeNull();
    t.run(2);
    expect(t.recorder.ended).toEqual([]);
    t.run(1); // the fifth step someone drove
    expect(t.recorder.ended).toEqual([{ episodeId: 'ep0', outcome: 'timeout' }]);
    expect(t.recorder.steps.filter((x) => x.episodeId === 'ep0')).toHaveLength(15); // every step is still recorded
  });

  it('ends an episode on task success', async () => {
    const t = await setup();
    t.loop.request({ type: 'take_over', actor: alice });
    const goal = t.bridge.observe().objects[0].pos;
    t.loop.teleop('alice', { kind: 'pose', pos: goal, quat: [1, 0, 0, 0], gripper: -1 });
    for (let i = 0; i < 60 && t.recorder.ended.length === 0; i++) {
      t.run(1);
      t.loop.heartbeat('alice');
    }
    expect(t.recorder.ended[0]).toEqual({ episodeId: 'ep0', outcome: 'success' });
  });

  it('takes an operator verdict and resets with an explicit seed', () => {
    s.run(2);
    expect(s.loop.markOutcome('failure', 'alice')).toBeNull();
    expect(s.recorder.ended[0]).toEqual({ episodeId: 'ep0', outcome: 'failure' });
    const ep = s.loop.resetEpisode(123, 'alice');
    expect(ep.seed).toBe(123);
    expect(s.recorder.ended[1]).toEqual({ episodeId: 'ep1', outcome: 'aborted' });
  });

  it('never commands outside the joint limits under wild teleop', () => {
    s.loop.request({ type: 'take_over', actor: alice });
    s.run(1);
    for (let i = 0; i < 300; i++) {
      const big = () => (Math.random() - 0.5) * 100;
      s.loop.teleop('alice', i % 2 ? { kind: 'pose', pos: [big(), big(), big()], quat: [Math.random(), Math.random(), Math.random(), 0.1], gripper: 1 } : { kind: 'delta', action: [1, -1, 1, 1, -1, 1, 1] });
      s.run(1);
      for (let j = 0; j < 6; j++) {
        expect(s.bridge.target[j]).toBeGreaterThanOrEqual(MOCK_LOWER[j]);
        expect(s.bridge.target[j]).toBeLessThanOrEqual(MOCK_UPPER[j]);
      }
      // the commanded pose is inside the box (the path between two commands is the arm's business)
      const p = new Float64Array(3);
      s.bridge.kinematics.fk(s.bridge.target, p, new Float64Array(4));
      for (let k = 0; k < 3; k++) {
        expect(p[k]).toBeGreaterThanOrEqual(limits.workspaceMin[k] - 1e-6);
        expect(p[k]).toBeLessThanOrEqual(limits.workspaceMax[k] + 1e-6);
      }
    }
  });

  it('measures its rate and jitter from the clock', () => {
    for (let i = 0; i < 10; i++) {
      s.clock.advance(0.05);
      const due = s.clock.now();
      s.clock.advance(0.001);
      s.loop.tick(due);
    }
    expect(s.loop.rate.rateHz).toBeCloseTo(1 / 0.051, 6);
    expect(s.loop.rate.jitter.percentile(50)).toBeCloseTo(0.001, 9);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { ActionSource } from '../../../../server/control/action-source.ts';
import type { Actor } from '../../../../server/control/arbiter.ts';
import { MemoryRecorder } from '../../support/memory-recorder.ts';
import { CONTROLLER_ORDER, POSITION_TOPIC, rosHarness } from './ros-harness.ts';
import { until } from './wait-until.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
type Harness = Awaited<ReturnType<typeof rosHarness>>;
/** TEST DOUBLE policy: always the same action. */
const constantPolicy = (a: number[]): ActionSource => ({ name: 'constant', version: 'test-v1', propose: () => a });

describe('ControlLoop driving a RosBridge', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('pauses on stale joint state with the reason, and moves again only on an operator resume', async () => {
    h = await rosHarness();
    const loop = h.makeLoop(constantPolicy([1, 0, 0, 0, 0, 0, -1]));
    loop.start();
    await h.tick(loop);
    expect(loop.mode).toBe('AUTONOMOUS');
    const sent = h.bridge.published;
    h.clock.advance(0.3);
    await h.inputRead(); // the input was read up to now, and no joint state came
    loop.tick();
    expect(loop.mode).toBe('PAUSED');
    expect(loop.modeReason).toBe('robot unavailable: joint state stale: nothing on /joint_states for 0.300 s (limit 0.2 s)');
    expect(h.bridge.published).toBe(sent);
    await h.tick(loop); // fresh again, but a paused robot stays paused
    await h.tick(loop);
    expect(loop.mode).toBe('PAUSED');
    expect(loop.modeReason).toBe('robot available again; paused until an operator resumes'); // not the stale age any more
    expect(h.bridge.published).toBe(sent + 2); // holds: the latched hold target, not motion
    const held = await h.lastCommand();
    expect(held.data).toEqual((h.server.ops('publish', POSITION_TOPIC).at(-2)!.msg as { data: number[] }).data);
    const measured = h.bridge.observe().q; // the hold was latched from a fresh measurement
    const order = ['panda_joint3', 'panda_joint1', 'panda_joint2', 'panda_joint7', 'panda_joint4', 'panda_joint6', 'panda_joint5'];
    order.forEach((j, k) => expect(held.data[k]).toBeCloseTo(measured[Number(j.slice(-1)) - 1], 6));
    expect(loop.request({ type: 'resume', actor: alice })).toBeNull();
    expect(loop.mode).toBe('AUTONOMOUS');
    const x0 = h.bridge.observe().eePos[0];
    for (let i = 0; i < 4; i++) await h.tick(loop);
    expect(h.bridge.observe().eePos[0]).toBeGreaterThan(x0 + 0.02);
  });

  it('on a lost link pauses, refuses resume while offline, and after reconnection waits for the resume', async () => {
    h = await rosHarness();
    const loop = h.makeLoop(constantPolicy([0, 1, 0, 0, 0, 0, -1]));
    loop.start();
    await h.tick(loop);
    await h.lastCommand(); // in flight when the link drops it would be lost, as on a real network
    h.server.accepting = false;
    h.server.dropClients();
    await until(() => h!.bridge.client.state === 'reconnecting', 'the link loss');
    h.clock.advance(loop.dt);
    loop.tick();
    expect(loop.mode).toBe('PAUSED');
    expect(loop.modeReason).toBe('robot unavailable: rosbridge connection lost; reconnecting');
    expect(loop.request({ type: 'resume', actor: alice })).toEqual({ code: 'TKO_ERR_NOT_CONNECTED', message: "RosBridge#resume: 'panda': rosbridge connection lost; reconnecting" });
    h.server.accepting = true;
    await until(() => h!.bridge.client.state === 'open', 'the reconnection');
    await until(() => h!.server.clientCount === 1 && h!.server.ops('subscribe', '/joint_states').length >= 2, 're-subscription');
    const sent = h.bridge.published;
    for (let i = 0; i < 3; i++) await h.tick(loop);
    expect(loop.mode).toBe('PAUSED');
    expect(h.bridge.health().reason).toBe('rosbridge reconnected; holding until an operator resumes');
    // the reason is the current cause, not the first one
    expect(loop.modeReason).toBe('robot unavailable: rosbridge reconnected; holding until an operator resumes');
    // held as after a stale recovery: the measured joints, latched, at the loop rate
    expect(h.bridge.published).toBe(sent + 3);
    const held = await h.lastCommand();
    const measured = h.bridge.observe().q;
    CONTROLLER_ORDER.forEach((j, k) => expect(held.data[k]).toBeCloseTo(measured[Number(j.slice(-1)) - 1], 6));
    expect(loop.request({ type: 'resume', actor: alice })).toBeNull();
    const y0 = h.bridge.observe().eePos[1];
    for (let i = 0; i < 4; i++) await h.tick(loop);
    expect(loop.mode).toBe('AUTONOMOUS');
    expect(h.bridge.observe().eePos[1]).toBeGreaterThan(y0 + 0.02);
  });

  it('rewinds a real arm by driving back along the recorded path within the limits', async () => {
    h = await rosHarness();
    const recorder = new MemoryRecorder();
    const loop = h.makeLoop(constantPolicy([0.6, -0.8, -0.4, 0.3, 0, 0.4, -1]), recorder);
    loop.start();
    const path: Float64Array[] = [];
    for (let i = 0; i < 16; i++) {
      await h.tick(loop);
      path.push(Float64Array.from(h.bridge.observe().q));
    }
    const episodeStart = recorder.steps.at(-1)!.step;
    expect(loop.request({ type: 'take_over', actor: alice })).toBeNull();
    expect(loop.rewind(alice, { seconds: 0.5 })).toBeNull();
    expect(loop.mode).toBe('REWINDING');
    const first = h.bridge.published;
    const { lower, upper, velocityLimit } = h.bridge.features;
    let prev = Float64Array.from(h.bridge.observe().q);
    for (let i = 0; i < 60 && loop.mode === 'REWINDING'; i++) {
      loop.heartbeat('alice');
      await h.tick(loop);
      const q = loop.jointTargets;
      for (let j = 0; j < 7; j++) {
        expect(q[j]).toBeGreaterThanOrEqual(lower[j]);
        expect(q[j]).toBeLessThanOrEqual(upper[j]);
        expect(Math.abs(q[j] - prev[j])).toBeLessThanOrEqual(velocityLimit[j] * loop.dt + 1e-9);
      }
      prev = Float64Array.from(q);
    }
    expect(loop.mode).toBe('INTERVENING');
    expect(h.bridge.published).toBeGreaterThan(first);
    await h.sync(0.3);
    const back = h.bridge.observe().q;
    const target = path[path.length - 1 - 10]; // 0.5 s at 20 Hz
    for (let j = 0; j < 7; j++) expect(back[j]).toBeCloseTo(target[j], 1);
    expect(recorder.steps.some((s) => s.step > episodeStart && (s as { recovery?: boolean }).recovery === true)).toBe(true);
  });
});

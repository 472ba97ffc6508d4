import { afterEach, describe, expect, it } from 'vitest';
import type { ActionSource } from '../../../../server/control/action-source.ts';
import type { Actor } from '../../../../server/control/arbiter.ts';
import type { ControlLoop } from '../../../../server/control/control-loop.ts';
import { RosBridge } from '../../../../server/robots/ros-bridge.ts';
import { PANDA_ARM_JOINTS, PANDA_URDF } from './panda-fixture.ts';
import { POSITION_TOPIC, rosHarness } from './ros-harness.ts';
import { until } from './wait-until.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
type Harness = Awaited<ReturnType<typeof rosHarness>>;
/** a camera looking down from 1 m above the base, turned half a turn about x (rpy = [pi, 0, 0]) */
const CAMERA = { xyz: [0.5, 0, 1] as [number, number, number], rpy: [Math.PI, 0, 0] as [number, number, number] };
const OBJECTS = [
  { name: 'cube', type: 'pose', topic: '/cube_pose', staleAfter: 0.5 },
  { name: 'target', type: 'tf', childFrame: 'tag_7', frame: 'camera', frameInBase: CAMERA, staleAfter: 0.5 },
];
/** TEST DOUBLE policy: always the same action, counting its calls. */
function constantPolicy(a: number[]): ActionSource & { calls: number } {
  const p = { name: 'constant', version: 'test-v1', calls: 0, propose: () => { p.calls++; return a; } };
  return p;
}

describe('object poses from perception on a ROS arm (PoseStamped and /tf)', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  /** publishes both poses (cube in the base frame, target seen by the camera) and waits until the bridge has read both */
  async function perceive(cube: [number, number, number] = [0.5, 0.1, 0.02]) {
    const n = h!.bridge.objectSources.posesReceived;
    h!.server.publishPose('/cube_pose', { frame: 'panda_link0', pos: cube });
    h!.server.publishTf({ tag_7: { frame: 'camera', pos: [0.1, 0.2, 0.9] }, panda_link3: { frame: 'panda_link2', pos: [0, 0, 0] } });
    await until(() => h!.bridge.objectSources.posesReceived >= n + 2, 'the bridge to read both poses');
  }
  /** one loop period with perception publishing */
  async function tick(loop: ControlLoop) {
    h!.clock.advance(loop.dt);
    await perceive();
    await h!.sync(loop.dt);
    loop.tick();
  }

  it('puts the poses into the observation, in the base frame, under their object names', async () => {
    h = await rosHarness({ extra: { objects: OBJECTS } });
    expect(h.bridge.baseFrame).toBe('panda_link0');
    expect(h.bridge.observationSupply()).toEqual({ jointCount: 7, objects: ['cube', 'target'], frame: 'base' });
    expect(h.bridge.observe().objects).toEqual([]);
    expect(h.bridge.health().policyInputs).toMatchObject({ ready: false, reason: "object pose 'cube' missing: no PoseStamped on /cube_pose yet" });
    expect(h.server.ops('subscribe', '/cube_pose')).toHaveLength(1);
    expect(h.server.ops('subscribe', '/tf')).toHaveLength(1);
    await perceive();
    const [cube, target] = h.bridge.observe().objects;
    expect(cube).toEqual({ name: 'cube', pos: [0.5, 0.1, 0.02], quat: [1, 0, 0, 0] });
    expect(target.name).toBe('target');
    // camera (0.5, 0, 1), flipped about x: (0.1, 0.2, 0.9) in the camera is (0.6, -0.2, 0.1) in the base
    target.pos.forEach((v, i) => expect(v).toBeCloseTo([0.6, -0.2, 0.1][i], 9));
    expect(Math.abs(target.quat[1])).toBeCloseTo(1, 9); // the tag shares the camera's orientation
    expect(h.bridge.health().policyInputs).toEqual({ ready: true, reason: '', cause: '' });
  });

  it('rejects a pose in another frame than configured: logged, counted, the last good pose kept', async () => {
    h = await rosHarness({ extra: { objects: OBJECTS } });
    await perceive();
    h.server.publishPose('/cube_pose', { frame: 'world', pos: [9, 9, 9] });
    await until(() => h!.bridge.objectSources.rejectedPoses === 1, 'the rejection');
    expect(h.bridge.observe().objects[0].pos).toEqual([0.5, 0.1, 0.02]);
    expect(h.log.has(/\/cube_pose message rejected: frame_id "world" is not 'panda_link0'/)).toBe(true);
  });

  it('a stale pose source holds the policy like a stale arm: paused with the reason, resume refused, then resumed', async () => {
    h = await rosHarness({ extra: { objects: OBJECTS } });
    const policy = constantPolicy([1, 0, 0, 0, 0, 0, -1]);
    const loop = h.makeLoop(policy);
    await perceive();
    loop.start();
    await tick(loop);
    expect(loop.mode).toBe('AUTONOMOUS');
    expect(loop.source).toBe('policy');
    // perception stops; the arm goes on publishing its joints
    h.clock.advance(0.6);
    await h.sync(0.01);
    await h.inputRead();
    const calls = policy.calls;
    loop.tick();
    expect(loop.mode).toBe('PAUSED');
    expect(loop.modeReason).toMatch(/^robot unavailable: object pose 'cube' stale: no PoseStamped on \/cube_pose for 0\.6\d\d s \(limit 0\.5 s\)$/);
    expect(policy.calls).toBe(calls); // not asked without its inputs
    expect(loop.proposed).toBeNull();
    expect(h.log.has(/policy holds: object pose 'cube' stale/)).toBe(true);
    // held like any pause: the measured joints, not the policy's motion
    const held = await h.lastCommand();
    const q = h.bridge.observe().q;
    const order = ['panda_joint3', 'panda_joint1', 'panda_joint2', 'panda_joint7', 'panda_joint4', 'panda_joint6', 'panda_joint5'];
    order.forEach((j, k) => expect(held.data[k]).toBeCloseTo(q[PANDA_ARM_JOINTS.indexOf(j)], 6));
    expect(loop.request({ type: 'resume', actor: alice })).toEqual({ code: 'TKO_ERR_NOT_CONNECTED', message: expect.stringMatching(/object pose 'cube' stale/) });
    // an operator may still drive the arm without perception
    expect(loop.request({ type: 'take_over', actor: alice })).toBeNull();
    h.clock.advance(loop.dt);
    await h.sync(loop.dt);
    loop.tick();
    expect(loop.mode).toBe('INTERVENING');
    expect(loop.request({ type: 'hand_back', actor: alice })).toBeNull();
    h.clock.advance(loop.dt);
    await h.sync(loop.dt);
    loop.tick();
    expect(loop.mode).toBe('PAUSED'); // handed back to a policy that still has no perception
    expect(loop.modeReason).toMatch(/^robot unavailable: object pose 'cube' stale/);
    // perception is back: the reason says so, and a resume lets the policy move the arm again
    await tick(loop);
    expect(loop.mode).toBe('PAUSED');
    expect(loop.modeReason).toBe('robot available again; paused until an operator resumes');
    expect(loop.request({ type: 'resume', actor: alice })).toBeNull();
    const x0 = h.bridge.observe().eePos[0];
    for (let i = 0; i < 4; i++) await tick(loop);
    expect(loop.mode).toBe('AUTONOMOUS');
    expect(h.bridge.observe().eePos[0]).toBeGreaterThan(x0 + 0.02);
  });

  it('names the problem in a bad object source config', async () => {
    const create = (objects: unknown) => RosBridge.create('arm0', {
      url: 'ws://127.0.0.1:9', jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller', topic: POSITION_TOPIC },
      urdf: { file: 'panda.urdf' }, eeLink: 'panda_hand_tcp', objects,
    }, { readTextFile: async () => PANDA_URDF });
    await expect(create([{ name: 'cube', type: 'pose', topic: '/a' }, { name: 'cube', type: 'tf', childFrame: 'tag_1' }]))
      .rejects.toThrow("robot 'arm0': ros.objects[1] ('cube'): object 'cube' has two sources; each object needs exactly one");
    await expect(create([{ name: 'cube', type: 'tf', childFrame: 'tag_1', frame: 'camera' }]))
      .rejects.toThrow("robot 'arm0': ros.objects[0] ('cube'): frame 'camera' is not the base frame 'panda_link0'; give frameInBase");
    await expect(create([{ name: 'cube', type: 'pose' }])).rejects.toThrow(/robot 'arm0': ros\.objects\.0/);
  });
});

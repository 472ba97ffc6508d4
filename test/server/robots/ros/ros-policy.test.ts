import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ActionSource } from '../../../../server/control/action-source.ts';
import { extractFeatures } from '../../../../policies/observation-features.ts';
import { parseManifest } from '../../../../policies/policy-manifest.ts';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../../support/test-server.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from './panda-fixture.ts';
import { CONTROLLER_ORDER, POSITION_TOPIC } from './ros-harness.ts';
import { RosbridgeTestServer } from './rosbridge-test-server.ts';
import { until } from './wait-until.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const auth = { authorization: `Bearer ${TOKENS.alice.token}` };
const DEFAULT_POLICY = parseManifest(readFileSync(new URL('../../../../policies/models/default/policy.json', import.meta.url), 'utf8'), 'policy.json');
/** where perception sees the place task's objects: the cube in the base frame, the target marker as an AprilTag on /tf */
const CUBE = [0.5, 0.1, 0.025] as const;
const TARGET = [0.5, -0.1, 0] as const;

async function fakePanda() {
  const ros = await RosbridgeTestServer.start({
    joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
    initial: Object.fromEntries(PANDA_ARM_JOINTS.map((j, i) => [j, PANDA_READY[i]])),
    params: { robot_description: PANDA_URDF }, rosVersion: 1,
    controllers: [{ topic: POSITION_TOPIC, type: 'std_msgs/Float64MultiArray', joints: CONTROLLER_ORDER }],
    topics: { '/cube_pose': 'geometry_msgs/PoseStamped', '/tf': 'tf2_msgs/TFMessage' },
  });
  ros.startPublishing(100); // the bridge measures staleness on the wall clock here
  return ros;
}

const rosRobot = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
  id, kind: 'ros' as const, task: 'place',
  ros: {
    url, rosVersion: 1 as const, jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller' as const, topic: POSITION_TOPIC, jointOrder: CONTROLLER_ORDER },
    urdf: { param: 'robot_description' }, eeLink: 'panda_hand_tcp', staleAfter: 5, ...extra,
  },
  limits: { workspaceMin: [0.1, -0.6, 0.05] as [number, number, number], workspaceMax: [0.85, 0.6, 0.9] as [number, number, number], maxEeStep: 0.03 },
});

describe('policies on a ROS arm: perception feeds a sim-trained policy; what cannot be fed is refused, errors are counted and logged', () => {
  let eyes: RosbridgeTestServer;
  let blind: RosbridgeTestServer;
  let perception: NodeJS.Timeout;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const logged: string[] = [];
  beforeAll(async () => {
    [eyes, blind] = await Promise.all([fakePanda(), fakePanda()]);
    perception = setInterval(() => {
      eyes.publishPose('/cube_pose', { frame: 'panda_link0', pos: CUBE });
      eyes.publishTf({ tag_target: { frame: 'panda_link0', pos: TARGET } });
    }, 20);
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const line = String(chunk);
      if (line.startsWith('{')) {
        logged.push(line);
        return true;
      }
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    srv = await startTestServer({
      logLevel: 'warn',
      robots: [
        rosRobot('panda', eyes.url, {
          objects: [
            { name: 'cube', type: 'pose', topic: '/cube_pose', staleAfter: 5 },
            { name: 'target', type: 'tf', childFrame: 'tag_target', staleAfter: 5 },
          ],
        }),
        rosRobot('bare', blind.url),
      ],
    }, { policies: true });
  });
  afterAll(async () => {
    clearInterval(perception);
    await srv?.close();
    await Promise.all([eyes?.close(), blind?.close()]);
    vi.restoreAllMocks();
  });

  it('the shipped default policy (trained in the simulator) drives the ROS arm from perception poses', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/api/robots/panda/policy', headers: auth, payload: { version: 'default' } });
    expect(res.statusCode).toBe(200);
    const loop = srv.app.fleet.get('panda').loop;
    await until(() => loop.bridge.observe().objects.length === 2, 'both object poses');
    expect(loop.bridge.observe().objects.map((o) => o.name)).toEqual(['cube', 'target']);
    const x0 = Array.from(loop.bridge.observe().eePos);
    const sent0 = eyes.ops('publish', POSITION_TOPIC).length;
    for (let i = 0; i < 30; i++) {
      srv.tick();
      await sleep(20); // the fake arm follows in real time
    }
    expect(loop.mode).toBe('AUTONOMOUS');
    expect(loop.source).toBe('policy');
    expect(loop.policyErrors).toBe(0);
    const commands = eyes.ops('publish', POSITION_TOPIC).slice(sent0).map((op) => (op.msg as { data: number[] }).data);
    expect(commands.length).toBeGreaterThanOrEqual(30);
    expect(commands.every((d) => d.length === 7 && d.some((v) => v !== 0))).toBe(true);
    const changes = commands.slice(1).filter((d, i) => d.some((v, k) => Math.abs(v - commands[i][k]) > 1e-6));
    expect(changes.length).toBeGreaterThan(20); // the targets change tick after tick
    const x1 = loop.bridge.observe().eePos;
    expect(Math.hypot(x1[0] - x0[0], x1[1] - x0[1], x1[2] - x0[2])).toBeGreaterThan(0.02); // and the arm moved
  });

  it('refuses a policy the robot cannot feed, naming every missing object (hot swap: 409)', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/api/robots/bare/policy', headers: auth, payload: { version: 'default' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'TKO_ERR_POLICY_INCOMPATIBLE',
      message: expect.stringContaining("robot 'bare' cannot run policy 'default': no source for object 'cube'; no source for object 'target'"),
    });
    expect(srv.app.fleet.get('bare').loop.policy).toBeNull();
  });

  it('counts policy errors at run time in /api/status and state frames, and logs them rate-limited', async () => {
    // a policy put on the robot past the check (as before it existed): it reads the place task's objects
    const features = new Float32Array(DEFAULT_POLICY.observation.dim);
    const blindPolicy: ActionSource = { name: 'reads-objects', version: 'reads-objects', propose: (obs) => (extractFeatures(DEFAULT_POLICY.observation, obs, features), null) };
    const loop = srv.app.fleet.get('bare').loop;
    loop.setPolicy(blindPolicy);
    const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    client.send({ type: 'subscribe', robots: ['bare'] });
    await client.sync();
    client.clearStates();
    srv.tick(40);
    const frame = await client.next<StateFrame>((m) => isState('bare')(m) && (m as StateFrame).policyErrors === 40);
    expect(frame.lastPolicyError).toBe("policy 'reads-objects': observation has no object 'cube' (it has: none)");
    const status = (await srv.app.inject({ method: 'GET', url: '/api/status', headers: auth })).json();
    expect(status.robots.find((r: { id: string }) => r.id === 'bare')).toMatchObject({
      policyErrors: 40, lastPolicyError: "policy 'reads-objects': observation has no object 'cube' (it has: none)",
    });
    expect(status.robots.find((r: { id: string }) => r.id === 'panda')).toMatchObject({ policyErrors: 0, lastPolicyError: null });
    // 40 errors in 2 s of loop time: one structured line, with the robot as a field
    const lines = logged.map((l) => JSON.parse(l)).filter((l) => /policy error/.test(l.msg));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, robot: 'bare', msg: "policy error (1 so far): policy 'reads-objects': observation has no object 'cube' (it has: none)" });
    client.close();
  });

  it('ROS bridge lines go to the structured log with the robot as a field', async () => {
    blind.publish('/joint_states', { name: ['panda_joint1'], position: [Number.NaN] });
    await until(() => logged.some((l) => /rejected/.test(l)), 'the rejected joint state in the log');
    const line = logged.map((l) => JSON.parse(l)).find((l) => /rejected/.test(l.msg));
    expect(line).toMatchObject({ level: 40, robot: 'bare' });
    expect(line.msg).toMatch(/^robot 'bare': \/joint_states message rejected/);
  });
});

describe('a robot configured to start on a policy it cannot feed', () => {
  it('refuses to start, naming the robot, the policy and what is missing', async () => {
    const ros = await fakePanda();
    try {
      await expect(startTestServer({ robots: [{ ...rosRobot('arm0', ros.url), policy: 'default' }] }, { policies: true })).rejects.toThrow(
        "TKO_ERR_POLICY_INCOMPATIBLE: robot 'arm0' cannot run policy 'default': no source for object 'cube'; no source for object 'target'",
      );
    } finally {
      await ros.close();
    }
  });
});

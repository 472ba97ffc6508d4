import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../../support/test-server.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from './panda-fixture.ts';
import { CONTROLLER_ORDER, POSITION_TOPIC } from './ros-harness.ts';
import { RosbridgeTestServer } from './rosbridge-test-server.ts';
import { until } from './wait-until.ts';

describe("the server with a ROS arm (kind 'ros') against the rosbridge test double", () => {
  let ros: RosbridgeTestServer;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    ros = await RosbridgeTestServer.start({
      joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
      initial: Object.fromEntries(PANDA_ARM_JOINTS.map((j, i) => [j, PANDA_READY[i]])),
      params: { robot_description: PANDA_URDF }, rosVersion: 1,
      controllers: [{ topic: POSITION_TOPIC, type: 'std_msgs/Float64MultiArray', joints: CONTROLLER_ORDER }],
    });
    ros.startPublishing(100); // the bridge measures staleness on the wall clock here
    srv = await startTestServer({
      robots: [{
        id: 'panda', kind: 'ros',
        ros: {
          url: ros.url, rosVersion: 1, jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller', topic: POSITION_TOPIC, jointOrder: CONTROLLER_ORDER },
          urdf: { param: 'robot_description' }, eeLink: 'panda_hand_tcp', staleAfter: 5, reconnect: { initialDelay: 0.01, maxDelay: 0.05 },
        },
        limits: { workspaceMin: [0.1, -0.6, 0.05], workspaceMax: [0.85, 0.6, 0.9], maxEeStep: 0.03 },
      }],
    });
  });
  afterAll(async () => {
    await srv?.close();
    await ros?.close();
  });

  it('takes over and teleops over the WebSocket protocol; the double receives ordered Float64MultiArray commands', async () => {
    const { client, info } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    expect(info.robots[0]).toMatchObject({ id: 'panda', kind: 'ros', jointNames: PANDA_ARM_JOINTS, capabilities: { restoreState: false, simulated: false } });
    expect(info.models[info.robots[0].modelKey!]?.format).toBe('geoms');
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    const read = async () => {
      client.clearStates();
      srv.tick();
      return client.next<StateFrame>(isState('panda'));
    };
    await read();
    client.send({ type: 'take_over', robot: 'panda', ref: 1 });
    await client.next((m) => m.type === 'ack' && m.ref === 1);
    const start = await read();
    let last: StateFrame = start;
    for (let i = 0; i < 8; i++) {
      client.send({ type: 'teleop', robot: 'panda', kind: 'delta', action: [0, 0, 1, 0, 0, 0, -1] });
      await client.sync();
      await until(() => ros.ops('publish', POSITION_TOPIC).length > 0, 'a command');
      last = await read();
      await new Promise((r) => setTimeout(r, 30)); // let the 100 Hz arm follow
    }
    expect(last.mode).toBe('INTERVENING');
    const sent = ros.ops('publish', POSITION_TOPIC).at(-1)!.msg as { data: number[] };
    await until(() => (ros.ops('publish', POSITION_TOPIC).at(-1)!.msg as { data: number[] }).data.every((v, k) => v === last.jointTargets[PANDA_ARM_JOINTS.indexOf(CONTROLLER_ORDER[k])]), 'the last command to match the state frame');
    expect(sent.data).toHaveLength(7);
    const end = await read();
    expect(end.eePos[2]).toBeGreaterThan(start.eePos[2] + 0.02);
    client.close();
  });

  it('shows the lost link in the mode reason, refuses resume while offline, and resumes after reconnection', async () => {
    const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    const read = async () => {
      client.clearStates();
      srv.tick();
      return client.next<StateFrame>(isState('panda'));
    };
    ros.accepting = false;
    ros.dropClients();
    await until(() => ros.clientCount === 0, 'the drop');
    let s = await read();
    for (let i = 0; i < 50 && !s.modeReason.startsWith('robot unavailable'); i++) s = await read();
    expect(s.mode).toBe('PAUSED');
    expect(s.modeReason).toBe('robot unavailable: rosbridge connection lost; reconnecting');
    client.send({ type: 'resume', robot: 'panda', ref: 7 });
    const err = await client.next((m) => m.type === 'error' && m.ref === 7);
    expect(err).toMatchObject({ code: 'TKO_ERR_NOT_CONNECTED' });
    const auth = { authorization: `Bearer ${TOKENS.alice.token}` };
    const offline = (await srv.app.inject({ method: 'GET', url: '/api/robots/panda', headers: auth })).json().status.link;
    expect(offline).toEqual({ ready: false, reason: 'rosbridge connection lost; reconnecting' });
    ros.accepting = true;
    await until(() => ros.clientCount === 1 && ros.ops('subscribe', '/joint_states').length >= 2, 'reconnection');
    await new Promise((r) => setTimeout(r, 50));
    s = await read();
    expect(s.mode).toBe('PAUSED');
    // the frames say what holds the robot now, not the first cause
    expect(s.modeReason).toBe('robot unavailable: rosbridge reconnected; holding until an operator resumes');
    // back online, but it holds until an operator resumes
    expect((await srv.app.inject({ method: 'GET', url: '/api/robots/panda', headers: auth })).json().status.link).toMatchObject({ ready: false, reason: expect.stringMatching(/resume/) });
    client.send({ type: 'resume', robot: 'panda', ref: 8 });
    await client.next((m) => m.type === 'ack' && m.ref === 8);
    s = await read();
    expect(s.mode).toBe('AUTONOMOUS'); // the lease was released when the first test's operator left
    expect((await srv.app.inject({ method: 'GET', url: '/api/robots/panda', headers: auth })).json().status.link).toEqual({ ready: true, reason: '' });
    client.close();
  });
});

import { ManualClock } from '../../../../server/control/clock.ts';
import { ControlLoop } from '../../../../server/control/control-loop.ts';
import type { ActionSource } from '../../../../server/control/action-source.ts';
import type { RecorderPort } from '../../../../server/control/recorder-port.ts';
import { RosBridge } from '../../../../server/robots/ros-bridge.ts';
import type { RosCommandConfig } from '../../../../server/robots/ros/ros-config.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from './panda-fixture.ts';
import { RosbridgeTestServer } from './rosbridge-test-server.ts';
import { MemoryLog, until } from './wait-until.ts';

export const POSITION_TOPIC = '/forward_position_controller/commands';
export const TRAJECTORY_TOPIC = '/joint_trajectory_controller/joint_trajectory';
export const JOINT_STATE_CMD_TOPIC = '/joint_command';
export const GRIPPER_TOPIC = '/panda_hand/command';
/** the position controller's `joints` parameter: deliberately not takeover's order */
export const CONTROLLER_ORDER = ['panda_joint3', 'panda_joint1', 'panda_joint2', 'panda_joint7', 'panda_joint4', 'panda_joint6', 'panda_joint5'];
export const LIMITS = { workspaceMin: [0.1, -0.6, 0.05] as const, workspaceMax: [0.85, 0.6, 0.9] as const, maxEeStep: 0.03 };

export type CommandKind = RosCommandConfig['interface'];

/**
 * TEST HARNESS: the rosbridge test double with a fake Panda (fingers included, names published
 * in a scrambled order), a RosBridge on a manual clock, and helpers that step the fake arm and
 * wait until the bridge has the new state, so a loop tick sees it deterministically.
 */
export async function rosHarness({ command = 'position_controller' as CommandKind, rosVersion = 2 as 1 | 2, urdfFrom = 'param' as 'param' | 'file', extra = {} as Record<string, unknown> } = {}) {
  const server = await RosbridgeTestServer.start({
    joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
    publishOrder: ['panda_finger_joint2', ...[...PANDA_ARM_JOINTS].reverse().slice(0, 4), 'panda_finger_joint1', ...[...PANDA_ARM_JOINTS].reverse().slice(4)],
    initial: { ...Object.fromEntries(PANDA_ARM_JOINTS.map((j, i) => [j, PANDA_READY[i]])), panda_finger_joint1: 0.04, panda_finger_joint2: 0.04 },
    params: { robot_description: PANDA_URDF },
    rosVersion,
    controllers: [
      { topic: POSITION_TOPIC, type: 'std_msgs/Float64MultiArray', joints: CONTROLLER_ORDER },
      { topic: TRAJECTORY_TOPIC, type: 'trajectory_msgs/JointTrajectory', joints: PANDA_ARM_JOINTS },
      { topic: JOINT_STATE_CMD_TOPIC, type: 'sensor_msgs/JointState', joints: PANDA_ARM_JOINTS },
      { topic: GRIPPER_TOPIC, type: 'std_msgs/Float64', joints: PANDA_FINGERS },
    ],
  });
  const commandCfg: RosCommandConfig = command === 'position_controller'
    ? { interface: command, topic: POSITION_TOPIC, jointOrder: CONTROLLER_ORDER }
    : command === 'trajectory_controller' ? { interface: command, topic: TRAJECTORY_TOPIC, pointDuration: 0.05 } : { interface: command, topic: JOINT_STATE_CMD_TOPIC };
  const clock = new ManualClock(1000);
  const log = new MemoryLog();
  const config = {
    url: server.url, rosVersion, jointNames: PANDA_ARM_JOINTS, command: commandCfg,
    urdf: urdfFrom === 'param' ? { param: rosVersion === 2 ? '/robot_state_publisher:robot_description' : 'robot_description' } : { file: '/robots/panda.urdf' },
    eeLink: 'panda_hand_tcp',
    gripper: { topic: GRIPPER_TOPIC, messageType: 'std_msgs/Float64', openPosition: 0.08, closedPosition: 0, joints: PANDA_FINGERS },
    reconnect: { initialDelay: 0.01, maxDelay: 0.04, factor: 2 },
    ...extra,
  };
  const bridge = await RosBridge.create('panda', config, { clock, log, readTextFile: async (p) => (p === '/robots/panda.urdf' ? PANDA_URDF : Promise.reject(new Error('ENOENT'))) });
  const connecting = bridge.connect();
  await until(() => server.ops('subscribe', '/joint_states').length > 0, 'the joint-state subscription');
  server.step(0.01);
  await connecting;

  /** lets every command the bridge sent reach the fake arm, moves it dt, publishes, and waits until the bridge has that state */
  const sync = async (dt: number) => {
    await until(() => server.ops('publish', commandCfg.topic).length >= bridge.published, 'the commands to reach the fake arm');
    const n = bridge.statesReceived;
    server.step(dt);
    await until(() => bridge.statesReceived > n, 'the bridge to receive the joint state');
  };
  /** waits until the double has received `count` publishes on a topic */
  const published = async (topic: string, count: number) => {
    await until(() => server.ops('publish', topic).length >= count, `${count} publishes on ${topic}`);
    return server.ops('publish', topic);
  };
  /** waits until every command the bridge published has reached the double; returns the last one */
  const lastCommand = async () => {
    const topic = commandCfg.topic;
    await until(() => server.ops('publish', topic).length >= bridge.published, `all ${bridge.published} commands on ${topic}`);
    return server.ops('publish', topic).at(-1)!.msg as Record<string, any>;
  };
  /**
   * Lets the event loop read the bridge's input up to the clock's now. The bridge judges staleness
   * only over time in which it could read (InputDrainMark): advancing the manual clock and ticking
   * at once is a stall of the server, not silence of the arm.
   */
  const inputRead = async () => {
    const t = clock.now();
    await until(() => bridge.health().drainedAt >= t, 'the bridge to read its input');
  };
  const makeLoop = (policy: ActionSource | null = null, recorder: RecorderPort | null = null) => new ControlLoop({
    robotId: 'panda', bridge, kinematics: bridge.kinematics, limits: LIMITS, clock, rateHz: 20, policy, task: 'none', autoReset: false, recorder,
  });
  /** one loop period: the arm moves, the bridge sees it, the loop ticks */
  const tick = async (loop: ControlLoop) => {
    clock.advance(loop.dt);
    await sync(loop.dt);
    loop.tick();
  };
  const close = async () => {
    await bridge.disconnect();
    await server.close();
  };
  return { server, bridge, clock, log, sync, published, lastCommand, inputRead, makeLoop, tick, close };
}

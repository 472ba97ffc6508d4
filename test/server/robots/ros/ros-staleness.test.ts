import { afterEach, describe, expect, it } from 'vitest';
import type { ActionSource } from '../../../../server/control/action-source.ts';
import { wallClock } from '../../../../server/control/clock.ts';
import { ControlLoop } from '../../../../server/control/control-loop.ts';
import { RosBridge } from '../../../../server/robots/ros-bridge.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from './panda-fixture.ts';
import { CONTROLLER_ORDER, LIMITS, POSITION_TOPIC } from './ros-harness.ts';
import { ThreadedRosbridge } from './threaded-rosbridge.ts';
import { MemoryLog, until } from './wait-until.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Blocks this thread, as a long synchronous job (a slow policy, a GC pause) stalls the server's event loop. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}
/** TEST DOUBLE policy: keeps the arm where it is, so every tick it controls publishes a command. */
const stillPolicy: ActionSource = { name: 'still', version: 'test-v1', propose: () => [0, 0, 0, 0, 0, 0, -1] };

/** A RosBridge on the wall clock, under a policy, fed at 100 Hz by the double on its own thread. */
async function threadedArm() {
  const ros = await ThreadedRosbridge.start({
    joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
    initial: Object.fromEntries(PANDA_ARM_JOINTS.map((j, i) => [j, PANDA_READY[i]])),
    controllers: [{ topic: POSITION_TOPIC, type: 'std_msgs/Float64MultiArray', joints: CONTROLLER_ORDER }],
  });
  await ros.startPublishing();
  const log = new MemoryLog();
  const bridge = await RosBridge.create('panda', {
    url: ros.url, jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller', topic: POSITION_TOPIC, jointOrder: CONTROLLER_ORDER },
    urdf: { file: 'panda.urdf' }, eeLink: 'panda_hand_tcp', staleAfter: 0.2,
  }, { log, readTextFile: async () => PANDA_URDF });
  await bridge.connect();
  const loop = new ControlLoop({
    robotId: 'panda', bridge, kinematics: bridge.kinematics, limits: LIMITS, clock: wallClock, rateHz: 20, policy: stillPolicy, task: 'none', autoReset: false,
  });
  loop.start();
  for (let i = 0; i < 3; i++) {
    await sleep(50);
    loop.tick();
  }
  const close = async () => {
    await bridge.disconnect();
    await ros.close();
  };
  return { ros, bridge, loop, log, close };
}

describe('staleness of a ROS arm is judged after the input waiting for the tick is read', () => {
  let arm: Awaited<ReturnType<typeof threadedArm>> | null = null;
  afterEach(async () => {
    await arm?.close();
    arm = null;
  });

  it('a stall of the server is not a stale arm: the tick after it holds nothing, and the states that waited are read fresh', async () => {
    arm = await threadedArm();
    const { bridge, loop, log } = arm;
    expect(loop.mode).toBe('AUTONOMOUS');
    await sleep(50);
    const read = bridge.statesReceived;
    const sent = bridge.published;
    stall(300); // longer than staleAfter; the double's thread goes on publishing into the socket
    const stallEnd = wallClock.now();
    loop.tick(); // a timer that came due during the stall runs before the poll phase reads the socket
    expect(bridge.statesReceived).toBe(read);
    expect(loop.mode).toBe('AUTONOMOUS');
    expect(loop.modeReason).not.toMatch(/robot unavailable/);
    expect(bridge.published).toBe(sent + 1); // commanded, not refused
    await until(() => bridge.statesReceived >= read + 5, 'the joint states that waited in the socket');
    await until(() => bridge.health().drainedAt > stallEnd, 'the bridge to read its input after the stall');
    const h = bridge.health();
    expect(h).toMatchObject({ ready: true, stale: false, link: 'open' });
    expect(h.stateAge).toBeLessThan(0.2);
    loop.tick();
    expect(loop.mode).toBe('AUTONOMOUS');
    expect(bridge.published).toBe(sent + 2);
    expect(log.lines.filter((l) => /stale/.test(l.msg))).toEqual([]);
  });

  it('a silent arm (publisher stopped, link open) is judged stale once staleAfter has passed', async () => {
    arm = await threadedArm();
    const { ros, bridge, loop } = arm;
    expect(loop.mode).toBe('AUTONOMOUS');
    await ros.stopPublishing();
    const stoppedAt = wallClock.now();
    while (loop.mode === 'AUTONOMOUS' && wallClock.now() - stoppedAt < 5) {
      await sleep(20);
      loop.tick();
    }
    expect(loop.mode).toBe('PAUSED');
    expect(loop.modeReason).toMatch(/^robot unavailable: joint state stale: nothing on \/joint_states for \d+\.\d{3} s \(limit 0\.2 s\)$/);
    const h = bridge.health();
    expect(h).toMatchObject({ ready: false, stale: true, link: 'open' });
    expect(h.stateAge).toBeGreaterThan(0.2);
    const sent = bridge.published;
    loop.tick();
    expect(bridge.published).toBe(sent); // holds: nothing published while stale
  });

  it('a lost link is not ready at once, without waiting for staleAfter', async () => {
    arm = await threadedArm();
    const { ros, bridge, loop } = arm;
    await ros.dropClients();
    await until(() => bridge.client.state !== 'open', 'the link loss');
    expect(bridge.health()).toMatchObject({ ready: false, reason: 'rosbridge connection lost; reconnecting' });
    loop.tick();
    expect(loop.mode).toBe('PAUSED');
  });
});

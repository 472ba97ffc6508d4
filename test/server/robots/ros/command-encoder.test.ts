import { describe, expect, it } from 'vitest';
import { CommandEncoder, encodeGripper, rosTime } from '../../../../server/robots/ros/command-encoder.ts';
import { checkMessage } from './ros-message-types.ts';

const NAMES = ['a', 'b', 'c'];
const Q = [0.1, 0.2, 0.3];

describe('CommandEncoder', () => {
  it('writes Float64MultiArray in the controller order', () => {
    const e = new CommandEncoder({ interface: 'position_controller', topic: '/c', jointOrder: ['c', 'a', 'b'] }, NAMES, 2);
    expect(e.messageType).toBe('std_msgs/Float64MultiArray');
    const m = e.encode(Q);
    expect(m).toEqual({ layout: { dim: [], data_offset: 0 }, data: [0.3, 0.1, 0.2] });
    expect(checkMessage(e.messageType, m, 2)).toBeNull();
  });

  it.each([1, 2] as const)('writes a one-point JointTrajectory valid for ROS %i', (v) => {
    const e = new CommandEncoder({ interface: 'trajectory_controller', topic: '/t', pointDuration: 1.25 }, NAMES, v);
    const m = e.encode(Q) as Record<string, any>;
    expect(m.joint_names).toEqual(NAMES);
    expect(m.points[0].positions).toEqual(Q);
    expect(m.points[0].time_from_start).toEqual(v === 1 ? { secs: 1, nsecs: 250_000_000 } : { sec: 1, nanosec: 250_000_000 });
    expect(checkMessage('trajectory_msgs/JointTrajectory', m, v)).toBeNull();
    expect(checkMessage('trajectory_msgs/JointTrajectory', m, v === 1 ? 2 : 1)).not.toBeNull(); // the time fields differ
  });

  it('writes a JointState command', () => {
    const e = new CommandEncoder({ interface: 'joint_state', topic: '/j' }, NAMES, 2);
    const m = e.encode(Q);
    expect(m).toMatchObject({ name: NAMES, position: Q, velocity: [], effort: [] });
    expect(checkMessage('sensor_msgs/JointState', m, 2)).toBeNull();
  });

  it('refuses a controller order with foreign joints', () => {
    expect(() => new CommandEncoder({ interface: 'position_controller', topic: '/c', jointOrder: ['a', 'x', 'b'] }, NAMES, 2)).toThrow(/names joints outside/);
  });

  it('maps the gripper command onto the configured positions', () => {
    const g = { topic: '/g', messageType: 'std_msgs/Float64' as const, openPosition: 0.08, closedPosition: 0 };
    expect(encodeGripper(-1, g)).toEqual({ data: 0.08 });
    expect(encodeGripper(1, g)).toEqual({ data: 0 });
    expect(encodeGripper(5, g)).toEqual({ data: 0 });
    expect(encodeGripper(0, { ...g, messageType: 'std_msgs/Float64MultiArray' })).toEqual({ layout: { dim: [], data_offset: 0 }, data: [0.04] });
    expect(rosTime(2.5, 2)).toEqual({ sec: 2, nanosec: 500_000_000 });
  });
});

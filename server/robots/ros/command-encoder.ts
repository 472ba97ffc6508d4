import type { RosCommandConfig, RosGripperConfig } from './ros-config.ts';

/** ROS message type of each command interface (the short form: rosbridge for ROS 1 and ROS 2 accepts it). */
export const COMMAND_MESSAGE_TYPES = {
  position_controller: 'std_msgs/Float64MultiArray',
  trajectory_controller: 'trajectory_msgs/JointTrajectory',
  joint_state: 'sensor_msgs/JointState',
} as const;

/** A ROS time or duration as rosbridge's JSON expects it: {secs, nsecs} (ROS 1) or {sec, nanosec} (ROS 2). */
export function rosTime(seconds: number, rosVersion: 1 | 2): Record<string, number> {
  const s = Math.floor(seconds);
  const ns = Math.min(999_999_999, Math.round((seconds - s) * 1e9));
  return rosVersion === 1 ? { secs: s, nsecs: ns } : { sec: s, nanosec: ns };
}

/**
 * Turns joint targets (in takeover's joint order) into the command message of one controller
 * interface. Pure: tests check the messages field by field.
 */
export class CommandEncoder {
  readonly messageType: string;
  readonly #c: RosCommandConfig;
  readonly #names: string[];
  readonly #rosVersion: 1 | 2;
  /** index into takeover's order for each slot of the outgoing message */
  readonly #slot: number[];

  constructor(command: RosCommandConfig, jointNames: string[], rosVersion: 1 | 2) {
    this.#c = command;
    this.#rosVersion = rosVersion;
    this.messageType = COMMAND_MESSAGE_TYPES[command.interface];
    const order = command.interface === 'position_controller' && command.jointOrder ? command.jointOrder : jointNames;
    this.#names = [...order];
    this.#slot = order.map((n) => jointNames.indexOf(n));
    if (this.#slot.some((i) => i < 0)) throw new Error(`CommandEncoder: the controller order ${order.join(', ')} names joints outside ${jointNames.join(', ')}`);
  }

  /** The message commanding positions q (takeover order, rad or m). */
  encode(q: ArrayLike<number>): Record<string, unknown> {
    const positions = this.#slot.map((i) => q[i]);
    const header = { stamp: rosTime(0, this.#rosVersion), frame_id: '' };
    switch (this.#c.interface) {
      case 'position_controller':
        return { layout: { dim: [], data_offset: 0 }, data: positions };
      case 'trajectory_controller':
        // A zero stamp means "start now" to joint_trajectory_controller; one point, reached after pointDuration.
        return {
          header, joint_names: this.#names,
          points: [{ positions, velocities: [], accelerations: [], effort: [], time_from_start: rosTime(this.#c.pointDuration ?? 0.1, this.#rosVersion) }],
        };
      case 'joint_state':
        return { header, name: this.#names, position: positions, velocity: [], effort: [] };
    }
  }
}

/** Gripper command in [-1, 1] (-1 open, 1 closed) -> the configured gripper message. */
export function encodeGripper(g: ArrayLike<number> | number, cfg: RosGripperConfig): Record<string, unknown> {
  const v = typeof g === 'number' ? g : g[0];
  const c = Math.max(-1, Math.min(1, v));
  const pos = cfg.openPosition + ((c + 1) / 2) * (cfg.closedPosition - cfg.openPosition);
  return cfg.messageType === 'std_msgs/Float64' ? { data: pos } : { layout: { dim: [], data_offset: 0 }, data: [pos] };
}

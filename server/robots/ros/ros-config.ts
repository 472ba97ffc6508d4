import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TakeoverError } from '../../errors.ts';
import { ObjectSourceSchema } from './object-source-config.ts';
import { CameraSchema } from '../../cameras/camera-config.ts';

const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });
const TopicName = Type.String({ pattern: '^/?[A-Za-z~][A-Za-z0-9_/~]*$' });

/** How joint targets reach the arm: the topic of a ros2_control / ros_control controller. */
export const RosCommandSchema = Type.Union([
  Type.Object({
    interface: Type.Literal('position_controller'),
    /** std_msgs/Float64MultiArray, e.g. /forward_position_controller/commands (JointGroupPositionController) */
    topic: TopicName,
    /** the controller's `joints` parameter, when its order differs from jointNames */
    jointOrder: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  }, { additionalProperties: false }),
  Type.Object({
    interface: Type.Literal('trajectory_controller'),
    /** trajectory_msgs/JointTrajectory, e.g. /joint_trajectory_controller/joint_trajectory */
    topic: TopicName,
    /** time_from_start of each streamed point, s (about one control period) */
    pointDuration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  }, { additionalProperties: false }),
  Type.Object({
    interface: Type.Literal('joint_state'),
    /** sensor_msgs/JointState with names and positions (some drivers and sims take this) */
    topic: TopicName,
  }, { additionalProperties: false }),
]);
export type RosCommandConfig = Static<typeof RosCommandSchema>;

export const RosGripperSchema = Type.Object({
  topic: TopicName,
  messageType: Type.Union([Type.Literal('std_msgs/Float64'), Type.Literal('std_msgs/Float64MultiArray')]),
  /** command value for an open (-1) and a closed (1) gripper; values between are interpolated */
  openPosition: Type.Number(),
  closedPosition: Type.Number(),
  /** joints in the JointState whose positions add up to the finger opening, m */
  joints: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
}, { additionalProperties: false });
export type RosGripperConfig = Static<typeof RosGripperSchema>;

const JointLimitSchema = Type.Object({
  lower: Type.Optional(Type.Number()),
  upper: Type.Optional(Type.Number()),
  velocity: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
}, { additionalProperties: false });

/** The `ros` section of a robot in the server config (docs/ros.md has a worked example). */
export const RosRobotSchema = Type.Object({
  /** rosbridge_server's WebSocket, e.g. ws://robot-pc:9090 */
  url: Type.String({ pattern: '^wss?://' }),
  rosVersion: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)], { default: 2 })),
  jointStateTopic: Type.Optional(TopicName),
  /** the commanded joints, in the order takeover uses (incoming JointState is reordered by name) */
  jointNames: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 32 }),
  command: RosCommandSchema,
  /** where the URDF comes from: a parameter through rosapi, or a file */
  urdf: Type.Union([
    Type.Object({ param: Type.String({ minLength: 1, description: "ROS 1: 'robot_description'; ROS 2: '/robot_state_publisher:robot_description'" }) }, { additionalProperties: false }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ]),
  eeLink: Type.String({ minLength: 1 }),
  eeOffset: Type.Optional(Type.Object({ xyz: Type.Optional(Vec3), rpy: Type.Optional(Vec3) }, { additionalProperties: false })),
  /** per-joint limits that tighten the URDF's */
  jointLimits: Type.Optional(Type.Record(Type.String(), JointLimitSchema)),
  gripper: Type.Optional(RosGripperSchema),
  /** the frame observations are expressed in (eePos, object poses): default the URDF's root link */
  baseFrame: Type.Optional(Type.String({ minLength: 1, pattern: '^[^\\s]+$' })),
  /** object poses from perception (PoseStamped topics or /tf frames), each mapped to an object name */
  objects: Type.Optional(Type.Array(ObjectSourceSchema, { maxItems: 32 })),
  /** sensor_msgs/CompressedImage streams; served on /ws/cameras and recorded, never through the control thread (docs/ros.md) */
  cameras: Type.Optional(Type.Array(CameraSchema, { maxItems: 8 })),
  /** no joint state for this long -> hold and refuse commands, s */
  staleAfter: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  /** connect() gives up after this long without a joint state, s */
  connectTimeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 600 })),
  reconnect: Type.Optional(Type.Object({
    initialDelay: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    maxDelay: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    factor: Type.Optional(Type.Number({ minimum: 1 })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type RosRobotConfig = Static<typeof RosRobotSchema>;

/** A config with every default filled in. */
export interface ResolvedRosConfig extends RosRobotConfig {
  rosVersion: 1 | 2;
  jointStateTopic: string;
  staleAfter: number;
  connectTimeout: number;
  reconnect: { initialDelay: number; maxDelay: number; factor: number };
}

/** Validates a robot's `ros` section and fills in defaults; errors name the robot and the field. */
export function resolveRosConfig(robotId: string, raw: unknown): ResolvedRosConfig {
  if (!Value.Check(RosRobotSchema, raw)) {
    const first = [...Value.Errors(RosRobotSchema, raw)][0];
    throw new TakeoverError('TKO_ERR_CONFIG', `robot '${robotId}': ros${first?.path.replace(/\//g, '.') ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  const c = raw as RosRobotConfig;
  const order = c.command.interface === 'position_controller' ? c.command.jointOrder : undefined;
  if (order && (order.length !== c.jointNames.length || !c.jointNames.every((j) => order.includes(j)))) {
    throw new TakeoverError('TKO_ERR_CONFIG', `robot '${robotId}': ros.command.jointOrder must list the same joints as ros.jointNames`);
  }
  return {
    ...c,
    rosVersion: c.rosVersion ?? 2,
    jointStateTopic: c.jointStateTopic ?? '/joint_states',
    staleAfter: c.staleAfter ?? 0.2,
    connectTimeout: c.connectTimeout ?? 10,
    reconnect: { initialDelay: 0.25, maxDelay: 5, factor: 2, ...c.reconnect },
  };
}

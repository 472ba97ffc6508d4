import type { ArmFeatures } from '../../core/arm-features.ts';
import type { Observation } from '../../core/observation.ts';

/** Joint and gripper facts of an arm (core/arm-features.ts). */
export type RobotFeatures = ArmFeatures;

/** What a bridge can do beyond the basic contract. */
export interface RobotCapabilities {
  /** exact restore of an earlier physics state (simulators); real arms drive back instead */
  restoreState: boolean;
  gripper: boolean;
  simulated: boolean;
}

/** A joint-space command: position targets and the gripper command in [-1, 1] (-1 open, 1 closed). */
export interface JointCommand {
  q: Float64Array;
  gripper: number;
}

/**
 * The seam between the control loop and an arm (after LeRobot's `Robot`).
 * `observe` returns the latest cached state and never waits; `command` hands targets to the arm
 * and returns what was really applied.
 */
export interface RobotBridge {
  readonly id: string;
  readonly kind: string;
  readonly features: RobotFeatures;
  readonly capabilities: RobotCapabilities;
  readonly isConnected: boolean;
  connect(): Promise<void>;
  /** idempotent */
  disconnect(): Promise<void>;
  observe(): Observation;
  command(cmd: JointCommand): JointCommand;
  /** keep the current joint positions (the safe default on any doubt) */
  hold(): void;
}

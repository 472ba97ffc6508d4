import type { ModelDescription } from '../../protocol/model-description.ts';
import type { ArmHealth } from '../control/availability-watch.ts';
import type { RobotBridge } from './robot-bridge.ts';

/** A bridge whose physics advances on the loop clock (simulators); real arms run on their own. */
export interface SteppedBridge extends RobotBridge {
  /**
   * advance the physics to loop time t, s. With `maxSteps` (work between ticks) it takes at most
   * that many steps and leaves an unanchored clock (just reset or restored) to the next tick;
   * returns the physics steps taken (0 from an integrator without fixed steps).
   */
  stepTo(t: number, maxSteps?: number): number;
}

/** A bridge that owns a task: reset with a seed, report success. */
export interface EpisodicBridge extends RobotBridge {
  resetEpisode(seed: number): void;
  taskSuccess(): boolean;
}

/** A bridge that can describe itself for the console and report its body poses. */
export interface DescribedBridge extends RobotBridge {
  modelDescription(): ModelDescription;
  /** flat [x, y, z, qw, qx, qy, qz] per body of the description, world frame */
  bodyPoses(out: number[]): number[];
}

/** A bridge to a real arm whose link or state can fail: the loop pauses it while it is not ready. */
export interface MonitoredBridge extends RobotBridge {
  health(): ArmHealth;
  /** an operator resumes: clears a hold the bridge latched (after a reconnection), or says why it cannot */
  resume(): Error | null;
}

/** A bridge that can copy and restore its exact physics state (simulators): exact rewind. */
export interface RestorableBridge extends RobotBridge {
  /** `reuse`: a snapshot this caller no longer needs, to fill instead of allocating (per-tick hot path) */
  snapshot(reuse?: unknown): unknown;
  restore(s: unknown): void;
}

/** A simulator that hands the loop its whole physics state, recorded with each step (robomimic's `states`). */
export interface PhysicsStateBridge extends RobotBridge {
  physicsState(): number[];
}

/** A bridge with an e-stop of its own (a real arm's controller), called when the loop latches ESTOP. */
export interface EstoppableBridge extends RobotBridge {
  estop(): void;
}

// The optional abilities of a bridge, each tested here and nowhere else.
export function isRestorable(b: RobotBridge): b is RestorableBridge {
  const r = b as Partial<RestorableBridge>;
  return b.capabilities.restoreState && typeof r.snapshot === 'function' && typeof r.restore === 'function';
}
export function isEstoppable(b: RobotBridge): b is EstoppableBridge {
  return typeof (b as Partial<EstoppableBridge>).estop === 'function';
}
export function isStepped(b: RobotBridge): b is SteppedBridge {
  return typeof (b as Partial<SteppedBridge>).stepTo === 'function';
}
export function isEpisodic(b: RobotBridge): b is EpisodicBridge {
  const e = b as Partial<EpisodicBridge>;
  return typeof e.resetEpisode === 'function' && typeof e.taskSuccess === 'function';
}
export function isDescribed(b: RobotBridge): b is DescribedBridge {
  const d = b as Partial<DescribedBridge>;
  return typeof d.modelDescription === 'function' && typeof d.bodyPoses === 'function';
}
export function hasPhysicsState(b: RobotBridge): b is PhysicsStateBridge {
  return typeof (b as Partial<PhysicsStateBridge>).physicsState === 'function';
}
export function isMonitored(b: RobotBridge): b is MonitoredBridge {
  const m = b as Partial<MonitoredBridge>;
  return typeof m.health === 'function' && typeof m.resume === 'function';
}

import { ACTION_DIM, clipAction, type ActionScale } from '../../core/action.ts';
import type { Observation } from '../../core/observation.ts';
import type { RobotBridge } from '../robots/robot-bridge.ts';
import type { ArmKinematics } from '../../sim/kinematics.ts';
import { applyEeDelta } from '../../sim/ee-delta.ts';
import { SafetyFilter, type ClampKind } from './safety-filter.ts';

/**
 * The tail of a control tick: EE-delta action -> target pose -> IK -> safety filter -> bridge.
 * Every command of a tick starts from the same reference (the joints at the tick's start), so a
 * teleop command applied between ticks cannot add up past the per-tick limits, and each target
 * is also within one tick's joint step of the one before (a reversal within a tick). Preallocated:
 * no allocation per command.
 */
export class CommandPipeline {
  readonly safety: SafetyFilter;
  /** limits that acted on commands since the last `beginTick` */
  readonly clamped: ClampKind[] = [];
  /** joint targets last handed to the bridge (or the measured joints when holding) */
  readonly jointTargets: Float64Array;
  readonly refPos = new Float64Array(3);
  readonly refQuat = new Float64Array(4);
  #kin: ArmKinematics;
  #bridge: RobotBridge;
  #scale: ActionScale;
  #dt: number;
  #anchorTolerance: number;
  #hasCmd = false;
  #gripper = -1;
  #executed = new Float64Array(ACTION_DIM);
  #qRef: Float64Array;
  #qIk: Float64Array;
  /** the target sent last, while #hasCmd (the filter bounds the step from it) */
  #qPrev: Float64Array;
  #cmd: { q: Float64Array; gripper: number };
  #tgtPos = new Float64Array(3);
  #tgtQuat = new Float64Array(4);

  constructor(o: { kinematics: ArmKinematics; safety: SafetyFilter; bridge: RobotBridge; scale: ActionScale; dt: number; anchorTolerance: number }) {
    this.#kin = o.kinematics;
    this.safety = o.safety;
    this.#bridge = o.bridge;
    this.#scale = o.scale;
    this.#dt = o.dt;
    this.#anchorTolerance = o.anchorTolerance;
    const n = o.kinematics.dof;
    this.#qRef = new Float64Array(n);
    this.#qIk = new Float64Array(n);
    this.#qPrev = new Float64Array(n);
    this.jointTargets = new Float64Array(n);
    this.#cmd = { q: new Float64Array(n), gripper: -1 };
  }

  /**
   * Sets this tick's reference: the last commanded joints while the arm tracks them (so tracking
   * lag does not eat commanded motion), else the measured ones (after a hold, contact, a reset).
   */
  beginTick(obs: Observation): void {
    this.clamped.length = 0;
    const qCmd = this.#cmd.q;
    if (this.#hasCmd) {
      this.#kin.fk(qCmd, this.refPos, this.refQuat);
      const e = obs.eePos;
      if (Math.hypot(this.refPos[0] - e[0], this.refPos[1] - e[1], this.refPos[2] - e[2]) <= this.#anchorTolerance) {
        this.#qRef.set(qCmd);
        return;
      }
    }
    this.#qRef.set(obs.q);
    this.#kin.fk(this.#qRef, this.refPos, this.refQuat);
  }

  /** Commands the arm with a normalized action from the tick reference; returns the clipped action that ran. */
  command(action: ArrayLike<number>): Float64Array {
    const a = clipAction(action, this.#executed);
    applyEeDelta(this.refPos, this.refQuat, a, this.#scale, this.#dt, this.#tgtPos, this.#tgtQuat);
    this.#note(this.safety.clampEeTarget(this.refPos, this.#tgtPos));
    this.#kin.ik(this.#qRef, this.#tgtPos, this.#tgtQuat, this.#qIk);
    this.#filter();
    this.#gripper = SafetyFilter.gripper(a[6], this.#gripper);
    this.#cmd.gripper = this.#gripper;
    this.#bridge.command(this.#cmd);
    this.jointTargets.set(this.#cmd.q);
    this.#hasCmd = true;
    return a;
  }

  /** Commands joint targets directly (a rewind's drive-back), through the same joint limits. */
  commandJoints(q: ArrayLike<number>): void {
    for (let i = 0; i < this.#qIk.length; i++) this.#qIk[i] = q[i];
    this.#filter();
    this.#cmd.gripper = this.#gripper;
    this.#bridge.command(this.#cmd);
    this.jointTargets.set(this.#cmd.q);
    this.#hasCmd = true;
  }

  /** Holds the arm where it is. */
  hold(measured: ArrayLike<number> | null): void {
    if (this.#bridge.isConnected) this.#bridge.hold();
    this.#hasCmd = false;
    if (measured) for (let i = 0; i < this.jointTargets.length; i++) this.jointTargets[i] = measured[i];
  }

  /** Forgets the commanded state (episode reset). */
  reset(): void {
    this.#hasCmd = false;
    this.#gripper = -1;
  }

  /** #qIk through the safety filter into #cmd.q, from the tick reference and the last target sent. */
  #filter(): void {
    if (this.#hasCmd) this.#qPrev.set(this.#cmd.q);
    this.#note(this.safety.filterJoints(this.#qRef, this.#qIk, this.#cmd.q, this.#hasCmd ? this.#qPrev : null));
  }

  #note(from: readonly ClampKind[]): void {
    for (const c of from) if (!this.clamped.includes(c)) this.clamped.push(c);
  }
}

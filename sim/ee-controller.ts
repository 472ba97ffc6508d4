import { DEFAULT_ACTION_SCALE, type ActionScale } from '../core/action.ts';
import { applyEeDelta } from './ee-delta.ts';
import type { ArmKinematics, IkReport } from './kinematics.ts';

export interface EeControllerOptions {
  scale?: ActionScale;
  /** re-anchor on the measured joints when the commanded pose runs this far ahead, m */
  anchorTolerance?: number;
  ikIterations?: number;
}

/**
 * Turns EE-delta actions (or absolute EE targets) into joint targets. It integrates the commanded
 * pose rather than the measured one, so tracking lag does not eat the commanded motion, and
 * re-anchors on the measured joints when the two drift apart (contact, blocked arm).
 */
export class EeController {
  readonly #kin: ArmKinematics;
  readonly #scale: ActionScale;
  readonly #anchorTolerance: number;
  readonly #ikIterations: number;
  readonly #qCmd: Float64Array;
  readonly #refPos = new Float64Array(3);
  readonly #refQuat = new Float64Array(4);
  readonly #measPos = new Float64Array(3);
  readonly #measQuat = new Float64Array(4);
  readonly #tgtPos = new Float64Array(3);
  readonly #tgtQuat = new Float64Array(4);

  constructor(kin: ArmKinematics, { scale = DEFAULT_ACTION_SCALE, anchorTolerance = 0.03, ikIterations = 20 }: EeControllerOptions = {}) {
    this.#kin = kin;
    this.#scale = scale;
    this.#anchorTolerance = anchorTolerance;
    this.#ikIterations = ikIterations;
    this.#qCmd = new Float64Array(kin.dof);
  }

  /** Starts from the measured joints (after a reset, restore or hold). */
  reset(q: ArrayLike<number>): void {
    for (let i = 0; i < this.#kin.dof; i++) this.#qCmd[i] = q[i];
  }

  /** The joint targets last produced. */
  get commanded(): Float64Array {
    return this.#qCmd;
  }

  /** Applies a normalized EE-delta action over dt seconds; writes joint targets to out. */
  step(action: ArrayLike<number>, dt: number, qMeasured: ArrayLike<number>, out: Float64Array): IkReport {
    this.#anchor(qMeasured);
    applyEeDelta(this.#refPos, this.#refQuat, action, this.#scale, dt, this.#tgtPos, this.#tgtQuat);
    return this.#solve(out);
  }

  /** Moves towards an absolute EE target pose (teleop by pose); writes joint targets to out. */
  moveTo(pos: ArrayLike<number>, quat: ArrayLike<number>, qMeasured: ArrayLike<number>, out: Float64Array): IkReport {
    this.#anchor(qMeasured);
    for (let i = 0; i < 3; i++) this.#tgtPos[i] = pos[i];
    for (let i = 0; i < 4; i++) this.#tgtQuat[i] = quat[i];
    return this.#solve(out);
  }

  #anchor(qMeasured: ArrayLike<number>): void {
    this.#kin.fk(this.#qCmd, this.#refPos, this.#refQuat);
    this.#kin.fk(qMeasured, this.#measPos, this.#measQuat);
    const drift = Math.hypot(this.#refPos[0] - this.#measPos[0], this.#refPos[1] - this.#measPos[1], this.#refPos[2] - this.#measPos[2]);
    if (!(drift <= this.#anchorTolerance)) {
      this.reset(qMeasured);
      this.#refPos.set(this.#measPos);
      this.#refQuat.set(this.#measQuat);
    }
  }

  #solve(out: Float64Array): IkReport {
    const report = this.#kin.ik(this.#qCmd, this.#tgtPos, this.#tgtQuat, out, { maxIterations: this.#ikIterations, restarts: 0 });
    this.#qCmd.set(out);
    return report;
  }
}

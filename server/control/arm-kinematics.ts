/**
 * The kinematics seam the control loop needs. Mirrors the interface the simulator exports from
 * sim/kinematics.ts (structurally identical, so either satisfies the other) and keeps the server
 * compiling on its own.
 */
export interface IkReport {
  converged: boolean;
  /** m */
  posError: number;
  /** rad */
  rotError: number;
  clampedJoints: number[];
  unreachable: boolean;
}

export interface ArmKinematics {
  readonly dof: number;
  /** EE pose in the base frame; quaternion w, x, y, z */
  fk(q: Float64Array, outPos: Float64Array, outQuat: Float64Array): void;
  /** damped least squares from q0, within joint limits, never NaN */
  ik(q0: Float64Array, targetPos: Float64Array, targetQuat: Float64Array, outQ: Float64Array): IkReport;
}

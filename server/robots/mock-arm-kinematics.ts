import type { ArmKinematics, IkReport } from '../../sim/kinematics.ts';
import { quatRotate } from '../../sim/quat.ts';

/**
 * TEST DOUBLE kinematics of the mock arm: a gantry (joints 0-2: x, y, z in m) carrying a wrist
 * (joints 3-5: roll, pitch, yaw in rad, ZYX order) with the tool point 0.1 m along the wrist's -z.
 * Closed-form FK and IK so tests and benches need no simulator.
 */
export const MOCK_JOINT_NAMES = ['gantry_x', 'gantry_y', 'gantry_z', 'wrist_roll', 'wrist_pitch', 'wrist_yaw'];
export const MOCK_LOWER = Float64Array.from([0.1, -0.5, 0.05, -Math.PI, -1.4, -Math.PI]);
export const MOCK_UPPER = Float64Array.from([0.9, 0.5, 0.9, Math.PI, 1.4, Math.PI]);
export const MOCK_VELOCITY = Float64Array.from([0.5, 0.5, 0.5, 2, 2, 2]);
export const MOCK_HOME = Float64Array.from([0.45, 0, 0.4, 0, 0, 0]);
export const MOCK_TOOL = Float64Array.from([0, 0, -0.1]);

const rot = new Float64Array(3);

/** Quaternion (w, x, y, z) of ZYX Euler angles. */
export function quatFromEuler(roll: number, pitch: number, yaw: number, out: Float64Array): Float64Array {
  const cr = Math.cos(roll / 2), sr = Math.sin(roll / 2);
  const cp = Math.cos(pitch / 2), sp = Math.sin(pitch / 2);
  const cy = Math.cos(yaw / 2), sy = Math.sin(yaw / 2);
  out[0] = cr * cp * cy + sr * sp * sy;
  out[1] = sr * cp * cy - cr * sp * sy;
  out[2] = cr * sp * cy + sr * cp * sy;
  out[3] = cr * cp * sy - sr * sp * cy;
  return out;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** TEST DOUBLE: the mock arm's kinematics (see module comment). */
export class MockArmKinematics implements ArmKinematics {
  readonly dof = 6;
  #quat = new Float64Array(4);
  #pos = new Float64Array(3);

  fk(q: Float64Array, outPos: Float64Array, outQuat: Float64Array): void {
    quatFromEuler(q[3], q[4], q[5], outQuat);
    quatRotate(outQuat, MOCK_TOOL, rot);
    outPos[0] = q[0] + rot[0];
    outPos[1] = q[1] + rot[1];
    outPos[2] = q[2] + rot[2];
  }

  ik(q0: Float64Array, targetPos: Float64Array, targetQuat: Float64Array, outQ: Float64Array): IkReport {
    const clampedJoints: number[] = [];
    let [w, x, y, z] = [targetQuat[0], targetQuat[1], targetQuat[2], targetQuat[3]];
    const n = Math.hypot(w, x, y, z);
    const finite = [targetPos[0], targetPos[1], targetPos[2], w, x, y, z].every(Number.isFinite) && n > 1e-9;
    if (!finite) {
      outQ.set(q0);
      return { converged: false, posError: Infinity, rotError: Infinity, clampedJoints, unreachable: true, iterations: 0 };
    }
    w /= n; x /= n; y /= n; z /= n;
    const angles = [
      Math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y)),
      Math.asin(clamp(2 * (w * y - z * x), -1, 1)),
      Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)),
    ];
    for (let i = 0; i < 3; i++) {
      const j = 3 + i;
      // Pick the 2*pi branch closest to q0 so a wrist near +-pi does not flip.
      let a = angles[i];
      while (a - q0[j] > Math.PI) a -= 2 * Math.PI;
      while (a - q0[j] < -Math.PI) a += 2 * Math.PI;
      const c = clamp(a, MOCK_LOWER[j], MOCK_UPPER[j]);
      if (c !== a) clampedJoints.push(j);
      outQ[j] = c;
    }
    quatFromEuler(outQ[3], outQ[4], outQ[5], this.#quat);
    quatRotate(this.#quat, MOCK_TOOL, rot);
    for (let i = 0; i < 3; i++) {
      const v = targetPos[i] - rot[i];
      const c = clamp(v, MOCK_LOWER[i], MOCK_UPPER[i]);
      if (c !== v) clampedJoints.push(i);
      outQ[i] = c;
    }
    this.fk(outQ, this.#pos, this.#quat);
    const posError = Math.hypot(this.#pos[0] - targetPos[0], this.#pos[1] - targetPos[1], this.#pos[2] - targetPos[2]);
    const dot = Math.abs(this.#quat[0] * w + this.#quat[1] * x + this.#quat[2] * y + this.#quat[3] * z);
    const rotError = 2 * Math.acos(clamp(dot, -1, 1));
    return { converged: posError < 1e-6 && rotError < 1e-6, posError, rotError, clampedJoints, unreachable: clampedJoints.length > 0, iterations: 1 };
  }
}

import type { ActionScale } from '../../core/action.ts';
import { quatFromRotVec, quatMul, quatNormalize, rotVecFromQuat } from './quat.ts';

const dq = new Float64Array(4);
const conj = new Float64Array(4);
const rv = new Float64Array(3);

/**
 * Target EE pose of a normalized EE-delta action applied to (pos, quat) for one tick of dt:
 * translation and rotation in the base frame (rotation pre-multiplied), as robosuite's OSC does.
 */
export function applyEeDelta(pos: ArrayLike<number>, quat: ArrayLike<number>, action: ArrayLike<number>, scale: ActionScale, dt: number, outPos: Float64Array, outQuat: Float64Array): void {
  const kt = scale.translation * dt;
  const kr = scale.rotation * dt;
  for (let i = 0; i < 3; i++) outPos[i] = pos[i] + kt * action[i];
  quatFromRotVec(kr * action[3], kr * action[4], kr * action[5], dq);
  quatMul(dq, quat, outQuat);
  quatNormalize(outQuat);
}

/**
 * The normalized action (before clipping) that moves (pos, quat) to (targetPos, targetQuat) in one
 * tick: the inverse of applyEeDelta, used for operator pose targets. Gripper is left to the caller.
 */
export function eeDeltaTowards(pos: ArrayLike<number>, quat: ArrayLike<number>, targetPos: ArrayLike<number>, targetQuat: ArrayLike<number>, scale: ActionScale, dt: number, outAction: Float64Array): void {
  const kt = scale.translation * dt;
  const kr = scale.rotation * dt;
  for (let i = 0; i < 3; i++) outAction[i] = (targetPos[i] - pos[i]) / kt;
  conj[0] = quat[0]; conj[1] = -quat[1]; conj[2] = -quat[2]; conj[3] = -quat[3];
  quatMul(targetQuat, conj, dq);
  rotVecFromQuat(dq, rv);
  for (let i = 0; i < 3; i++) outAction[3 + i] = rv[i] / kr;
}

import type { ActionScale } from '../core/action.ts';
import { orientationError, quatMul, quatNormalize, rotvecToQuat } from './quat.ts';

const _rv = new Float64Array(3);
const _dq = new Float64Array(4);

/**
 * Turns a normalized EE-delta action (core/action.ts) into a target pose: translation and an
 * axis-angle rotation in the base frame, each scaled by the max speed and the tick length.
 */
export function applyEeDelta(
  pos: ArrayLike<number>,
  quat: ArrayLike<number>,
  action: ArrayLike<number>,
  scale: ActionScale,
  dt: number,
  outPos: Float64Array,
  outQuat: Float64Array,
): void {
  const t = scale.translation * dt;
  const r = scale.rotation * dt;
  for (let i = 0; i < 3; i++) {
    const a = Number.isFinite(action[i]) ? Math.max(-1, Math.min(1, action[i])) : 0;
    outPos[i] = pos[i] + a * t;
    const b = Number.isFinite(action[i + 3]) ? Math.max(-1, Math.min(1, action[i + 3])) : 0;
    _rv[i] = b * r;
  }
  rotvecToQuat(_rv, _dq);
  quatMul(_dq, quat, outQuat);
  quatNormalize(outQuat);
}

const _err = new Float64Array(3);

/**
 * The normalized action (before clipping) that moves (pos, quat) to (targetPos, targetQuat) in one
 * tick: the inverse of applyEeDelta, used for operator pose targets. Gripper is left to the caller.
 */
export function eeDeltaTowards(
  pos: ArrayLike<number>,
  quat: ArrayLike<number>,
  targetPos: ArrayLike<number>,
  targetQuat: ArrayLike<number>,
  scale: ActionScale,
  dt: number,
  outAction: Float64Array,
): void {
  const kt = scale.translation * dt;
  const kr = scale.rotation * dt;
  for (let i = 0; i < 3; i++) outAction[i] = (targetPos[i] - pos[i]) / kt;
  orientationError(targetQuat, quat, _err);
  for (let i = 0; i < 3; i++) outAction[3 + i] = _err[i] / kr;
}

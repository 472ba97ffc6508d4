/** Seconds ahead the ghost shows: where the policy's current proposal would take the EE. */
export const GHOST_HORIZON_S = 0.5;

export interface EePose {
  pos: [number, number, number];
  /** w, x, y, z */
  quat: [number, number, number, number];
}

/**
 * The EE pose the policy's proposed action leads to if held for `horizonS` (translation and a
 * base-frame rotation pre-multiplied, as the server's applyEeDelta does per tick).
 */
export function ghostPose(
  eePos: ArrayLike<number>,
  eeQuat: ArrayLike<number>,
  proposed: ArrayLike<number>,
  scale: { translation: number; rotation: number },
  horizonS = GHOST_HORIZON_S,
): EePose {
  const kt = scale.translation * horizonS;
  const kr = scale.rotation * horizonS;
  const pos: EePose['pos'] = [eePos[0] + kt * proposed[0], eePos[1] + kt * proposed[1], eePos[2] + kt * proposed[2]];
  const rx = kr * proposed[3], ry = kr * proposed[4], rz = kr * proposed[5];
  const angle = Math.hypot(rx, ry, rz);
  const s = angle > 1e-12 ? Math.sin(angle / 2) / angle : 0.5;
  const d = [Math.cos(angle / 2), rx * s, ry * s, rz * s];
  return { pos, quat: quatMul(d, eeQuat) };
}

/** Hamilton product a * b, w x y z order, normalized. */
export function quatMul(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number, number] {
  const w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
  const x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
  const y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
  const z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
  const n = Math.hypot(w, x, y, z) || 1;
  return [w / n, x / n, y / n, z / n];
}

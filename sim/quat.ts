/**
 * Small rotation helpers on plain arrays, quaternions in MuJoCo's (w, x, y, z) order. Kept in TS
 * rather than calling into WASM because they run every control tick and every IK iteration.
 */
type Vec = { [i: number]: number; length: number };

/** out = a ⊗ b */
export function quatMul(a: Vec, b: Vec, out: Vec): Vec {
  const aw = a[0], ax = a[1], ay = a[2], az = a[3];
  const bw = b[0], bx = b[1], by = b[2], bz = b[3];
  out[0] = aw * bw - ax * bx - ay * by - az * bz;
  out[1] = aw * bx + ax * bw + ay * bz - az * by;
  out[2] = aw * by - ax * bz + ay * bw + az * bx;
  out[3] = aw * bz + ax * by - ay * bx + az * bw;
  return out;
}

/** out = conjugate(q) (the inverse for unit quaternions) */
export function quatConj(q: Vec, out: Vec): Vec {
  out[0] = q[0];
  out[1] = -q[1];
  out[2] = -q[2];
  out[3] = -q[3];
  return out;
}

/** Normalizes in place; a zero or non-finite quaternion becomes identity. */
export function quatNormalize(q: Vec): Vec {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!Number.isFinite(n) || n < 1e-12) {
    q[0] = 1; q[1] = 0; q[2] = 0; q[3] = 0;
    return q;
  }
  q[0] /= n; q[1] /= n; q[2] /= n; q[3] /= n;
  return q;
}

/** Rotation vector (axis * angle) -> quaternion. */
export function rotvecToQuat(v: Vec, out: Vec): Vec {
  const angle = Math.hypot(v[0], v[1], v[2]);
  if (angle < 1e-12) {
    out[0] = 1; out[1] = v[0] / 2; out[2] = v[1] / 2; out[3] = v[2] / 2;
    return quatNormalize(out);
  }
  const s = Math.sin(angle / 2) / angle;
  out[0] = Math.cos(angle / 2);
  out[1] = v[0] * s;
  out[2] = v[1] * s;
  out[3] = v[2] * s;
  return out;
}

/** Quaternion -> rotation vector, taking the short way round (angle in [0, pi]). */
export function quatToRotvec(q: Vec, out: Vec): Vec {
  let w = q[0], x = q[1], y = q[2], z = q[3];
  if (w < 0) { w = -w; x = -x; y = -y; z = -z; }
  const s = Math.hypot(x, y, z);
  if (s < 1e-12) {
    out[0] = 2 * x; out[1] = 2 * y; out[2] = 2 * z;
    return out;
  }
  const angle = 2 * Math.atan2(s, w);
  out[0] = (x / s) * angle;
  out[1] = (y / s) * angle;
  out[2] = (z / s) * angle;
  return out;
}

/** Row-major 3x3 rotation matrix (MuJoCo's xmat) -> quaternion. */
export function mat3ToQuat(m: Vec, out: Vec, offset = 0): Vec {
  const m00 = m[offset], m01 = m[offset + 1], m02 = m[offset + 2];
  const m10 = m[offset + 3], m11 = m[offset + 4], m12 = m[offset + 5];
  const m20 = m[offset + 6], m21 = m[offset + 7], m22 = m[offset + 8];
  const tr = m00 + m11 + m22;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    out[0] = s / 4; out[1] = (m21 - m12) / s; out[2] = (m02 - m20) / s; out[3] = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    out[0] = (m21 - m12) / s; out[1] = s / 4; out[2] = (m01 + m10) / s; out[3] = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    out[0] = (m02 - m20) / s; out[1] = (m01 + m10) / s; out[2] = s / 4; out[3] = (m12 + m21) / s;
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    out[0] = (m10 - m01) / s; out[1] = (m02 + m20) / s; out[2] = (m12 + m21) / s; out[3] = s / 4;
  }
  return quatNormalize(out);
}

/** Orientation error as a rotation vector in the world frame: rotvec(target ⊗ current⁻¹). */
export function orientationError(target: Vec, current: Vec, out: Vec): Vec {
  const inv = [current[0], -current[1], -current[2], -current[3]];
  const d = quatMul(target, inv, [0, 0, 0, 0]);
  return quatToRotvec(d, out);
}

/** Yaw (rotation about world z) of a quaternion. */
export function quatYaw(q: Vec): number {
  return Math.atan2(2 * (q[0] * q[3] + q[1] * q[2]), 1 - 2 * (q[2] * q[2] + q[3] * q[3]));
}

/** Quaternion for a rotation of `angle` about world z. */
export function yawQuat(angle: number, out: Vec = [0, 0, 0, 0]): Vec {
  out[0] = Math.cos(angle / 2); out[1] = 0; out[2] = 0; out[3] = Math.sin(angle / 2);
  return out;
}

/** Rotates vector v by unit quaternion q. */
export function quatRotate(q: Vec, v: Vec, out: Vec): Vec {
  const w = q[0], x = q[1], y = q[2], z = q[3];
  // t = 2 * cross(q.xyz, v); v' = v + w t + cross(q.xyz, t)
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  out[0] = v[0] + w * tx + (y * tz - z * ty);
  out[1] = v[1] + w * ty + (z * tx - x * tz);
  out[2] = v[2] + w * tz + (x * ty - y * tx);
  return out;
}

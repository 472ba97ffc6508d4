/** Quaternion helpers (w, x, y, z, MuJoCo's order) for the control hot path: outputs go to caller buffers. */

/** out = a * b (Hamilton product); out may alias a or b. */
export function quatMul(a: ArrayLike<number>, b: ArrayLike<number>, out: Float64Array): Float64Array {
  const aw = a[0], ax = a[1], ay = a[2], az = a[3];
  const bw = b[0], bx = b[1], by = b[2], bz = b[3];
  out[0] = aw * bw - ax * bx - ay * by - az * bz;
  out[1] = aw * bx + ax * bw + ay * bz - az * by;
  out[2] = aw * by - ax * bz + ay * bw + az * bx;
  out[3] = aw * bz + ax * by - ay * bx + az * bw;
  return out;
}

/** Normalizes in place; a zero or non-finite quaternion becomes the identity. */
export function quatNormalize(q: Float64Array): Float64Array {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!(n > 1e-12) || !Number.isFinite(n)) {
    q[0] = 1; q[1] = 0; q[2] = 0; q[3] = 0;
    return q;
  }
  q[0] /= n; q[1] /= n; q[2] /= n; q[3] /= n;
  return q;
}

/** Quaternion of the rotation vector (axis * angle, rad). */
export function quatFromRotVec(rx: number, ry: number, rz: number, out: Float64Array): Float64Array {
  const angle = Math.hypot(rx, ry, rz);
  if (angle < 1e-12) {
    out[0] = 1; out[1] = rx / 2; out[2] = ry / 2; out[3] = rz / 2;
    return quatNormalize(out);
  }
  const s = Math.sin(angle / 2) / angle;
  out[0] = Math.cos(angle / 2); out[1] = rx * s; out[2] = ry * s; out[3] = rz * s;
  return out;
}

/** Rotation vector of a unit quaternion (shortest way round). */
export function rotVecFromQuat(q: ArrayLike<number>, out: Float64Array): Float64Array {
  let w = q[0], x = q[1], y = q[2], z = q[3];
  if (w < 0) { w = -w; x = -x; y = -y; z = -z; }
  const s = Math.hypot(x, y, z);
  if (s < 1e-12) {
    out[0] = 2 * x; out[1] = 2 * y; out[2] = 2 * z;
    return out;
  }
  const angle = 2 * Math.atan2(s, w);
  out[0] = (x / s) * angle; out[1] = (y / s) * angle; out[2] = (z / s) * angle;
  return out;
}

/** Rotates vector v by unit quaternion q. */
export function quatRotate(q: ArrayLike<number>, v: ArrayLike<number>, out: Float64Array): Float64Array {
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

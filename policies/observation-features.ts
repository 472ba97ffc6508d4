import { Type, type Static } from '@sinclair/typebox';

/**
 * Observation -> fixed-length policy input. The spec is stored in policy.json so a version always
 * reads observations the way it was trained, whatever the robot reports besides.
 */
export const FeatureSpecSchema = Type.Object(
  {
    /** which extraction reads observations: 1 = sign-normalized quaternions, 2 = 6-number rotations */
    version: Type.Union([Type.Literal(1), Type.Literal(2)]),
    jointCount: Type.Integer({ minimum: 1 }),
    /** task objects in input order, by name */
    objects: Type.Array(Type.String()),
    /** the input vector's layout, in order */
    fields: Type.Array(Type.Object({ name: Type.String(), size: Type.Integer({ minimum: 1 }) })),
    dim: Type.Integer({ minimum: 1 }),
  },
  { $id: 'takeover/FeatureSpec' },
);
export type FeatureSpec = Static<typeof FeatureSpecSchema>;

/** What feature extraction reads: the in-memory Observation and its plain record form both fit. */
export interface ObservationLike {
  q: ArrayLike<number>;
  qd: ArrayLike<number>;
  eePos: ArrayLike<number>;
  eeQuat: ArrayLike<number>;
  gripper: number;
  objects: ReadonlyArray<{ name: string; pos: ArrayLike<number>; quat: ArrayLike<number> }>;
}

/** The feature spec versions this build can extract; new versions are trained with the last. */
export const FEATURE_SPEC_VERSIONS = [1, 2] as const;
export type FeatureSpecVersion = (typeof FEATURE_SPEC_VERSIONS)[number];
export const CURRENT_FEATURE_SPEC_VERSION: FeatureSpecVersion = 2;

/**
 * Layout: joint positions and velocities, EE position and orientation, gripper opening, then per
 * object its position, orientation and position relative to the EE; objects after the first also
 * relative to the first (cube -> target for place). Orientation in version 2 is the first two
 * columns of the rotation matrix (6 numbers, continuous in the rotation); version 1 used the
 * quaternion made w >= 0, which jumps to its mirror image whenever w crosses 0 (a gripper pointing
 * down has w near 0), and is kept only so older policies read observations as they were trained.
 */
export function makeFeatureSpec(jointCount: number, objects: string[], version: FeatureSpecVersion = CURRENT_FEATURE_SPEC_VERSION): FeatureSpec {
  if (!Number.isInteger(jointCount) || jointCount < 1) throw new Error(`jointCount must be a positive integer, got ${jointCount}`);
  checkFeatureSpecVersion(version);
  const rot = version === 1 ? { suffix: 'Quat', obj: 'quat', size: 4 } : { suffix: 'Rot6', obj: 'rot6', size: 6 };
  const fields = [
    { name: 'q', size: jointCount },
    { name: 'qd', size: jointCount },
    { name: 'eePos', size: 3 },
    { name: `ee${rot.suffix}`, size: rot.size },
    { name: 'gripper', size: 1 },
  ];
  objects.forEach((o, i) => {
    fields.push({ name: `${o}.pos`, size: 3 }, { name: `${o}.${rot.obj}`, size: rot.size }, { name: `${o}.relEe`, size: 3 });
    if (i > 0) fields.push({ name: `${o}.rel${objects[0]}`, size: 3 });
  });
  return { version, jointCount, objects: [...objects], fields, dim: fields.reduce((s, f) => s + f.size, 0) };
}

/** Throws a clear error for a feature spec version this build cannot extract. */
export function checkFeatureSpecVersion(version: unknown): asserts version is FeatureSpecVersion {
  if (!(FEATURE_SPEC_VERSIONS as readonly unknown[]).includes(version)) {
    throw new Error(`observation feature spec version ${JSON.stringify(version)} is not supported (this build extracts versions ${FEATURE_SPEC_VERSIONS.join(', ')})`);
  }
}

/** The spec an observation implies (its joint count and object names, in order). */
export function featureSpecFromObservation(obs: ObservationLike): FeatureSpec {
  return makeFeatureSpec(obs.q.length, obs.objects.map((o) => o.name));
}

function findObject(obs: ObservationLike, name: string) {
  for (let i = 0; i < obs.objects.length; i++) if (obs.objects[i].name === name) return obs.objects[i];
  throw new Error(`observation has no object '${name}' (it has: ${obs.objects.map((o) => o.name).join(', ') || 'none'})`);
}

/** Writes the features of `obs` into `out` at `offset` (no allocation: runs every tick). */
export function extractFeatures(spec: FeatureSpec, obs: ObservationLike, out: Float32Array = new Float32Array(spec.dim), offset = 0): Float32Array {
  const n = spec.jointCount;
  if (obs.q.length !== n || obs.qd.length !== n) {
    throw new Error(`observation has ${obs.q.length} joint positions and ${obs.qd.length} velocities; the policy expects ${n}`);
  }
  if (out.length < offset + spec.dim) throw new Error(`feature buffer too small: ${out.length} < ${offset + spec.dim}`);
  const writeRot = spec.version === 1 ? writeQuat : spec.version === 2 ? writeRot6 : unsupported(spec.version);
  let k = offset;
  for (let i = 0; i < n; i++) out[k++] = obs.q[i];
  for (let i = 0; i < n; i++) out[k++] = obs.qd[i];
  const ep = obs.eePos;
  out[k++] = ep[0];
  out[k++] = ep[1];
  out[k++] = ep[2];
  k = writeRot(obs.eeQuat, out, k);
  out[k++] = obs.gripper;
  let first: { pos: ArrayLike<number> } | null = null;
  for (const name of spec.objects) {
    const o = findObject(obs, name);
    out[k++] = o.pos[0];
    out[k++] = o.pos[1];
    out[k++] = o.pos[2];
    k = writeRot(o.quat, out, k);
    out[k++] = o.pos[0] - ep[0];
    out[k++] = o.pos[1] - ep[1];
    out[k++] = o.pos[2] - ep[2];
    if (first) {
      out[k++] = o.pos[0] - first.pos[0];
      out[k++] = o.pos[1] - first.pos[1];
      out[k++] = o.pos[2] - first.pos[2];
    } else first = o;
  }
  for (let i = offset; i < k; i++) {
    if (!Number.isFinite(out[i])) throw new Error(`observation feature ${i - offset} is not finite (${out[i]})`);
  }
  return out;
}

function unsupported(version: never): never {
  checkFeatureSpecVersion(version);
  throw new Error('unreachable');
}

/** Version 1: the quaternion [w, x, y, z] made w >= 0 (q and -q are one rotation). */
function writeQuat(q: ArrayLike<number>, out: Float32Array, k: number): number {
  const s = q[0] < 0 ? -1 : 1;
  out[k] = s * q[0];
  out[k + 1] = s * q[1];
  out[k + 2] = s * q[2];
  out[k + 3] = s * q[3];
  return k + 4;
}

/**
 * Version 2: the first two columns of the rotation matrix of quaternion [w, x, y, z] (the same for
 * q and -q, continuous in the rotation; Zhou et al. 2019). Scaled by |q|^2 so a slightly
 * unnormalized quaternion still gives a rotation.
 */
function writeRot6(q: ArrayLike<number>, out: Float32Array, k: number): number {
  const w = q[0];
  const x = q[1];
  const y = q[2];
  const z = q[3];
  const n = w * w + x * x + y * y + z * z;
  const s = n > 0 ? 2 / n : 0;
  out[k] = 1 - s * (y * y + z * z);
  out[k + 1] = s * (x * y + w * z);
  out[k + 2] = s * (x * z - w * y);
  out[k + 3] = s * (x * y - w * z);
  out[k + 4] = 1 - s * (x * x + z * z);
  out[k + 5] = s * (y * z + w * x);
  return k + 6;
}

import { Type, type Static } from '@sinclair/typebox';

/**
 * Observation -> fixed-length policy input. The spec is stored in policy.json so a version always
 * reads observations the way it was trained, whatever the robot reports besides.
 */
export const FeatureSpecSchema = Type.Object(
  {
    version: Type.Literal(1),
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

/**
 * Layout: joint positions and velocities, EE position and quaternion (w >= 0, so q and -q are one
 * input), gripper opening, then per object its position, quaternion (w >= 0) and position relative to
 * the EE; objects after the first also relative to the first (cube -> target for place).
 */
export function makeFeatureSpec(jointCount: number, objects: string[]): FeatureSpec {
  if (!Number.isInteger(jointCount) || jointCount < 1) throw new Error(`jointCount must be a positive integer, got ${jointCount}`);
  const fields = [
    { name: 'q', size: jointCount },
    { name: 'qd', size: jointCount },
    { name: 'eePos', size: 3 },
    { name: 'eeQuat', size: 4 },
    { name: 'gripper', size: 1 },
  ];
  objects.forEach((o, i) => {
    fields.push({ name: `${o}.pos`, size: 3 }, { name: `${o}.quat`, size: 4 }, { name: `${o}.relEe`, size: 3 });
    if (i > 0) fields.push({ name: `${o}.rel${objects[0]}`, size: 3 });
  });
  return { version: 1, jointCount, objects: [...objects], fields, dim: fields.reduce((s, f) => s + f.size, 0) };
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
  let k = offset;
  for (let i = 0; i < n; i++) out[k++] = obs.q[i];
  for (let i = 0; i < n; i++) out[k++] = obs.qd[i];
  const ep = obs.eePos;
  out[k++] = ep[0];
  out[k++] = ep[1];
  out[k++] = ep[2];
  k = writeQuat(obs.eeQuat, out, k);
  out[k++] = obs.gripper;
  let first: { pos: ArrayLike<number> } | null = null;
  for (const name of spec.objects) {
    const o = findObject(obs, name);
    out[k++] = o.pos[0];
    out[k++] = o.pos[1];
    out[k++] = o.pos[2];
    k = writeQuat(o.quat, out, k);
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

function writeQuat(q: ArrayLike<number>, out: Float32Array, k: number): number {
  const s = q[0] < 0 ? -1 : 1;
  out[k] = s * q[0];
  out[k + 1] = s * q[1];
  out[k + 2] = s * q[2];
  out[k + 3] = s * q[3];
  return k + 4;
}

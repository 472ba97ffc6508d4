import type { JointSource, KinematicBody } from '../../protocol/model-description.ts';

/** The observation fields forward kinematics reads (a recorded step's `obs`, or a live one). */
export interface KinematicObservation {
  q: ArrayLike<number>;
  gripper: number;
  objects: readonly { name: string; pos: ArrayLike<number>; quat: ArrayLike<number> }[];
}

type V3 = [number, number, number];
type Q4 = [number, number, number, number];

// The quaternion helpers follow MuJoCo's engine_util_spatial.c operation for operation, so the
// poses match mj_kinematics to rounding.
function mulQuat(a: ArrayLike<number>, b: ArrayLike<number>): Q4 {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

function rotVecQuat(v: ArrayLike<number>, q: ArrayLike<number>): V3 {
  if (v[0] === 0 && v[1] === 0 && v[2] === 0) return [0, 0, 0];
  if (q[0] === 1 && q[1] === 0 && q[2] === 0 && q[3] === 0) return [v[0], v[1], v[2]];
  const t0 = q[0] * v[0] + q[2] * v[2] - q[3] * v[1];
  const t1 = q[0] * v[1] + q[3] * v[0] - q[1] * v[2];
  const t2 = q[0] * v[2] + q[1] * v[1] - q[2] * v[0];
  return [v[0] + 2 * (q[2] * t2 - q[3] * t1), v[1] + 2 * (q[3] * t0 - q[1] * t2), v[2] + 2 * (q[1] * t1 - q[2] * t0)];
}

function normalize4(q: Q4): Q4 {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (n < 1e-15) return [1, 0, 0, 0];
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

function axisAngle(axis: ArrayLike<number>, angle: number): Q4 {
  if (angle === 0) return [1, 0, 0, 0];
  const s = Math.sin(angle / 2);
  return [Math.cos(angle / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

function objectOf(obs: KinematicObservation, name: string): KinematicObservation['objects'][number] | undefined {
  return obs.objects.find((o) => o.name === name);
}

/** A scalar joint value from the observation; throws naming the missing or bad field. */
function scalar(src: JointSource, obs: KinematicObservation, body: number): number {
  let v: number;
  if (src.kind === 'q') {
    if (src.index >= obs.q.length) throw new Error(`body ${body}: joint source q[${src.index}] but the observation has ${obs.q.length} joints`);
    v = obs.q[src.index];
  } else if (src.kind === 'gripper') {
    v = obs.gripper * src.scale;
  } else {
    throw new Error(`body ${body}: a hinge or slide joint cannot take its value from object '${src.name}'`);
  }
  if (!Number.isFinite(v)) throw new Error(`body ${body}: joint value from ${src.kind} is not finite`);
  return v;
}

/**
 * Indices of the bodies whose pose should come from an object the observation does not carry
 * (a task without that object): they sit at their model default, so a renderer should hide them.
 */
export function unobservedBodies(kinematics: readonly KinematicBody[], obs: KinematicObservation): Set<number> {
  const out = new Set<number>();
  kinematics.forEach((b, i) => {
    const src = b.mocap ? b.source : b.joint?.type === 'free' ? b.joint.source : undefined;
    if (src?.kind === 'object' && !objectOf(obs, src.name)) out.add(i);
  });
  return out;
}

/**
 * Forward kinematics of a `geoms` description's tree for one observation, as MuJoCo's
 * mj_kinematics computes it: world poses [x y z qw qx qy qz] per body, the layout of a state
 * frame's `bodies`. Objects missing from the observation leave their body at its model default.
 */
export function bodyPosesFromObservation(kinematics: readonly KinematicBody[], obs: KinematicObservation, out: Float64Array = new Float64Array(7 * kinematics.length)): Float64Array {
  if (out.length < 7 * kinematics.length) throw new Error(`bodyPosesFromObservation: out has ${out.length} numbers, ${kinematics.length} bodies need ${7 * kinematics.length}`);
  const pos: V3[] = [];
  const quat: Q4[] = [];
  kinematics.forEach((b, i) => {
    let xpos: V3;
    let xquat: Q4;
    const freeSrc = b.joint?.type === 'free' ? b.joint.source : b.mocap ? b.source : undefined;
    const obj = freeSrc?.kind === 'object' ? objectOf(obs, freeSrc.name) : undefined;
    if (i === 0) {
      xpos = [0, 0, 0];
      xquat = [1, 0, 0, 0];
    } else if (obj) {
      xpos = [obj.pos[0], obj.pos[1], obj.pos[2]];
      xquat = normalize4([obj.quat[0], obj.quat[1], obj.quat[2], obj.quat[3]]);
    } else {
      if (b.parent >= i) throw new Error(`body ${i}: parent ${b.parent} does not come before it`);
      const pq = quat[b.parent];
      const off = rotVecQuat(b.pos, pq);
      const pp = pos[b.parent];
      xpos = [pp[0] + off[0], pp[1] + off[1], pp[2] + off[2]];
      xquat = mulQuat(pq, b.quat);
      const j = b.joint;
      if (j && j.type !== 'free' && j.source) {
        const value = scalar(j.source, obs, i) - (j.ref ?? 0);
        const anchorOff = rotVecQuat(j.pos, xquat);
        const anchor: V3 = [xpos[0] + anchorOff[0], xpos[1] + anchorOff[1], xpos[2] + anchorOff[2]];
        if (j.type === 'slide') {
          const axis = rotVecQuat(j.axis, xquat);
          xpos = [xpos[0] + axis[0] * value, xpos[1] + axis[1] * value, xpos[2] + axis[2] * value];
        } else {
          xquat = mulQuat(xquat, axisAngle(j.axis, value));
          const v = rotVecQuat(j.pos, xquat);
          xpos = [anchor[0] - v[0], anchor[1] - v[1], anchor[2] - v[2]];
        }
      }
      xquat = normalize4(xquat);
    }
    pos.push(xpos);
    quat.push(xquat);
    out.set(xpos, 7 * i);
    out.set(xquat, 7 * i + 3);
  });
  return out;
}

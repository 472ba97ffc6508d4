import { quatMul, quatRotate } from '../../../sim/quat.ts';
import type { ResolvedObjectSource } from './object-source-config.ts';

/** A decoded pose in the robot's base frame; quaternion (w, x, y, z), unit length. */
export interface BasePose {
  pos: [number, number, number];
  quat: [number, number, number, number];
}

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
/** tf2 frame ids carry no leading slash; ROS 1 tf publishers sometimes add one */
const frameId = (x: unknown) => (typeof x === 'string' ? x.replace(/^\//, '') : null);

function vec3(x: unknown, what: string): [number, number, number] | string {
  if (!isRec(x)) return `${what} is missing`;
  const v: [number, number, number] = [Number(x.x), Number(x.y), Number(x.z)];
  return v.every(Number.isFinite) && [x.x, x.y, x.z].every((c) => typeof c === 'number') ? v : `${what} has a missing or non-finite x, y or z`;
}

function quat(x: unknown, what: string): [number, number, number, number] | string {
  if (!isRec(x) || ![x.w, x.x, x.y, x.z].every((c) => typeof c === 'number' && Number.isFinite(c))) return `${what} has a missing or non-finite x, y, z or w`;
  const q = [x.w, x.x, x.y, x.z] as [number, number, number, number];
  const n = Math.hypot(...q);
  if (!(n > 1e-6)) return `${what} is not a rotation (zero quaternion)`;
  return q.map((c) => c / n) as [number, number, number, number];
}

/** Expresses a pose given in the source's frame in the base frame (the frame's fixed offset applied). */
export function toBaseFrame(src: ResolvedObjectSource, pos: [number, number, number], q: [number, number, number, number]): BasePose {
  const o = src.offset;
  const p = quatRotate(o.quat, pos, [0, 0, 0]);
  const out = quatMul(o.quat, q, [0, 0, 0, 0]);
  return { pos: [p[0] + o.pos[0], p[1] + o.pos[1], p[2] + o.pos[2]], quat: [out[0], out[1], out[2], out[3]] };
}

function checkFrame(src: ResolvedObjectSource, got: unknown): string | null {
  const f = frameId(got);
  return f === src.frame ? null : `frame_id ${JSON.stringify(got ?? null)} is not '${src.frame}' (ros.objects '${src.name}'.frame)`;
}

/** geometry_msgs/PoseStamped -> the object's pose in the base frame, or the problem (a string starting 'rejected:'). */
export function decodePoseStamped(src: ResolvedObjectSource, msg: unknown): BasePose | `rejected: ${string}` {
  if (!isRec(msg) || !isRec(msg.pose)) return 'rejected: PoseStamped without a pose';
  const frame = checkFrame(src, isRec(msg.header) ? msg.header.frame_id : undefined);
  if (frame) return `rejected: ${frame}`;
  const p = vec3(msg.pose.position, 'pose.position');
  if (typeof p === 'string') return `rejected: ${p}`;
  const q = quat(msg.pose.orientation, 'pose.orientation');
  if (typeof q === 'string') return `rejected: ${q}`;
  return toBaseFrame(src, p, q);
}

/**
 * tf2_msgs/TFMessage -> the poses of the objects whose child frames it carries (other frames are
 * ignored: /tf carries the whole robot). `byChild` maps a child frame to its source.
 */
export function decodeTfMessage(byChild: ReadonlyMap<string, ResolvedObjectSource>, msg: unknown): { poses: Array<[ResolvedObjectSource, BasePose]>; rejected: string[] } {
  const out: { poses: Array<[ResolvedObjectSource, BasePose]>; rejected: string[] } = { poses: [], rejected: [] };
  if (!isRec(msg) || !Array.isArray(msg.transforms)) {
    out.rejected.push('TFMessage without a transforms array');
    return out;
  }
  for (const t of msg.transforms as unknown[]) {
    if (!isRec(t)) continue;
    const child = frameId(t.child_frame_id);
    const src = child === null ? undefined : byChild.get(child);
    if (!src) continue;
    const tr = isRec(t.transform) ? t.transform : {};
    const frame = checkFrame(src, isRec(t.header) ? t.header.frame_id : undefined);
    const p = vec3(tr.translation, 'transform.translation');
    const q = quat(tr.rotation, 'transform.rotation');
    const problem = frame ?? (typeof p === 'string' ? p : typeof q === 'string' ? q : null);
    if (problem) out.rejected.push(`child frame '${child}': ${problem}`);
    else out.poses.push([src, toBaseFrame(src, p as [number, number, number], q as [number, number, number, number])]);
  }
  return out;
}

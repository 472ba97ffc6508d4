import type { Step } from '../core/step.ts';
import type { GeomDescription, KinematicBodyDescription } from '../sim/model-description.ts';
import type { FoxgloveRobotModel } from './foxglove-robot-model.ts';
import { LOG_LEVEL } from './foxglove-schemas.ts';
import type { EpisodeEvent } from './journal-schemas.ts';

/** Foxglove's time: seconds and nanoseconds. */
export interface FoxgloveTime {
  sec: number;
  nsec: number;
}
type Vec = { x: number; y: number; z: number };
type Quat = Vec & { w: number };
export interface FrameTransform {
  timestamp: FoxgloveTime;
  parent_frame_id: string;
  child_frame_id: string;
  translation: Vec;
  rotation: Quat;
}
type Color = { r: number; g: number; b: number; a: number };
type Primitive = { pose: { position: Vec; orientation: Quat }; size: Vec; color: Color };
export interface SceneEntity {
  timestamp: FoxgloveTime;
  frame_id: string;
  id: string;
  lifetime: FoxgloveTime;
  frame_locked: boolean;
  metadata: { key: string; value: string }[];
  cubes: Primitive[];
  spheres: Primitive[];
  cylinders: (Primitive & { bottom_scale: number; top_scale: number })[];
}

/** The frame every transform tree hangs from: the robot base (the world body of a MuJoCo model). */
export const ROOT_FRAME = 'world';
/** The EE frame's name. */
export const EE_FRAME = 'ee';

/** Nanoseconds as Foxglove's time. */
export function foxgloveTime(ns: bigint): FoxgloveTime {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

const v3 = (a: ArrayLike<number>): Vec => ({ x: a[0], y: a[1], z: a[2] });
/** MuJoCo's (w, x, y, z) as Foxglove's {x, y, z, w}. */
const q4 = (q: ArrayLike<number>): Quat => ({ x: q[1], y: q[2], z: q[3], w: q[0] });

function mulQuat(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

/** v rotated by the unit quaternion q (w, x, y, z). */
export function rotate(v: ArrayLike<number>, q: ArrayLike<number>): number[] {
  const t0 = q[0] * v[0] + q[2] * v[2] - q[3] * v[1];
  const t1 = q[0] * v[1] + q[3] * v[0] - q[1] * v[2];
  const t2 = q[0] * v[2] + q[1] * v[1] - q[2] * v[0];
  return [v[0] + 2 * (q[2] * t2 - q[3] * t1), v[1] + 2 * (q[3] * t0 - q[1] * t2), v[2] + 2 * (q[1] * t1 - q[2] * t0)];
}

function normalized(q: ArrayLike<number>): number[] {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return n < 1e-15 ? [1, 0, 0, 0] : [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** The joint value a body's joint takes from the observation, or null when it has none. */
function jointValue(b: KinematicBodyDescription, obs: Step['obs']): number | null {
  const src = b.joint?.source;
  if (!src || src.kind === 'object') return null;
  const v = src.kind === 'q' ? obs.q[src.index] : obs.gripper * src.scale;
  return Number.isFinite(v) ? v - (b.joint!.ref ?? 0) : null;
}

/** Pose of body b in its parent's frame for one observation (MuJoCo's joint conventions), or its world pose when an observed object drives it. */
function localPose(b: KinematicBodyDescription, name: string, obs: Step['obs']): { parent: number; pos: number[]; quat: number[] } {
  const objSrc = b.joint?.type === 'free' ? b.joint.source : b.mocap ? b.source : undefined;
  const obj = objSrc?.kind === 'object' ? obs.objects.find((o) => o.name === (objSrc.name ?? name)) : undefined;
  if (obj) return { parent: 0, pos: [...obj.pos], quat: normalized(obj.quat) };
  const j = b.joint;
  const v = j ? jointValue(b, obs) : null;
  if (!j || v === null || j.type === 'free') return { parent: b.parent, pos: [...b.pos], quat: normalized(b.quat) };
  if (j.type === 'slide') {
    const axis = rotate(j.axis, b.quat);
    return { parent: b.parent, pos: b.pos.map((p, k) => p + axis[k] * v), quat: normalized(b.quat) };
  }
  const s = Math.sin(v / 2);
  const quat = mulQuat(b.quat, [Math.cos(v / 2), j.axis[0] * s, j.axis[1] * s, j.axis[2] * s]);
  // a hinge turns about its anchor (j.pos in the body frame), not the body origin
  const before = rotate(j.pos, b.quat);
  const after = rotate(j.pos, quat);
  return { parent: b.parent, pos: b.pos.map((p, k) => p + before[k] - after[k]), quat: normalized(quat) };
}

/**
 * The transform tree of one step: with a model, world -> each link (from the joint positions)
 * -> the EE site, and world -> each observed object; without one, world -> EE from the recorded
 * EE pose and world -> each object.
 */
export function stepTransforms(step: Step, model: FoxgloveRobotModel | null, timestamp: FoxgloveTime): FrameTransform[] {
  const out: FrameTransform[] = [];
  const add = (parent: string, child: string, pos: ArrayLike<number>, quat: ArrayLike<number>) =>
    out.push({ timestamp, parent_frame_id: parent, child_frame_id: child, translation: v3(pos), rotation: q4(quat) });
  const drawn = new Set<string>();
  if (model) {
    const names = model.names;
    for (let i = 1; i < model.kinematics.length; i++) {
      const p = localPose(model.kinematics[i], names[i], step.obs);
      add(p.parent === 0 ? ROOT_FRAME : names[p.parent], names[i], p.pos, p.quat);
      drawn.add(names[i]);
    }
    add(names[model.ee.body] === names[0] ? ROOT_FRAME : names[model.ee.body], EE_FRAME, model.ee.pos, model.ee.quat);
  } else {
    add(ROOT_FRAME, EE_FRAME, step.obs.eePos, normalized(step.obs.eeQuat));
  }
  for (const o of step.obs.objects) if (!drawn.has(o.name) && o.name !== EE_FRAME && o.name !== ROOT_FRAME) add(ROOT_FRAME, o.name, o.pos, normalized(o.quat));
  return out;
}

/** Joint names for the `/joints` topic: joint1..N in observation order, then the gripper. */
export function jointNames(count: number): string[] {
  return [...Array.from({ length: count }, (_, i) => `joint${i + 1}`), 'gripper'];
}

/** The `/joints` message of a step. */
export function stepJointState(step: Step, timestamp: FoxgloveTime): { timestamp: FoxgloveTime; name: string[]; position: number[]; velocity: number[] } {
  const { q, qd, gripper } = step.obs;
  return { timestamp, name: jointNames(q.length), position: [...q, gripper], velocity: [...q.map((_, i) => qd[i] ?? 0), 0] };
}

const ZERO: FoxgloveTime = { sec: 0, nsec: 0 };
const IDENTITY = { x: 0, y: 0, z: 0, w: 1 };

/** One MuJoCo geom as Foxglove primitives (a capsule is a cylinder and two spheres; a plane a thin box). */
function addGeom(e: SceneEntity, g: GeomDescription): void {
  const [r, gr, b, a] = g.rgba;
  if (!(a > 0)) return;
  const color = { r, g: gr, b, a };
  const pose = (offset: number[] = [0, 0, 0]) => {
    const o = rotate(offset, g.quat);
    return { position: v3([g.pos[0] + o[0], g.pos[1] + o[1], g.pos[2] + o[2]]), orientation: q4(g.quat) };
  };
  const [s0, s1, s2] = g.size;
  if (g.type === 'box') e.cubes.push({ pose: pose(), size: v3([2 * s0, 2 * s1, 2 * s2]), color });
  else if (g.type === 'plane') e.cubes.push({ pose: pose([0, 0, -0.0005]), size: v3([s0 > 0 ? 2 * s0 : 2, s1 > 0 ? 2 * s1 : 2, 0.001]), color });
  else if (g.type === 'sphere') e.spheres.push({ pose: pose(), size: v3([2 * s0, 2 * s0, 2 * s0]), color });
  else if (g.type === 'ellipsoid') e.spheres.push({ pose: pose(), size: v3([2 * s0, 2 * s1, 2 * s2]), color });
  else if (g.type === 'cylinder' || g.type === 'capsule') {
    e.cylinders.push({ pose: pose(), size: v3([2 * s0, 2 * s0, 2 * s1]), bottom_scale: 1, top_scale: 1, color });
    if (g.type === 'capsule') for (const z of [-s1, s1]) e.spheres.push({ pose: pose([0, 0, z]), size: v3([2 * s0, 2 * s0, 2 * s0]), color });
  }
}

/**
 * The scene, sent once at the start: each body's geoms locked to its frame with a model (bodies
 * that stand for an object the task does not observe are left out, as the console hides them),
 * else a sphere on the EE and a 5 cm box on each object's frame.
 */
export function sceneEntities(model: FoxgloveRobotModel | null, objectNames: readonly string[], timestamp: FoxgloveTime): SceneEntity[] {
  const entity = (frame: string, id: string): SceneEntity => ({ timestamp, frame_id: frame, id, lifetime: ZERO, frame_locked: true, metadata: [], cubes: [], spheres: [], cylinders: [] });
  const out: SceneEntity[] = [];
  const drawn = new Set<string>();
  if (model) {
    model.geoms.forEach((b, i) => {
      const k = model.kinematics[i];
      const src = k?.joint?.type === 'free' ? k.joint.source : k?.mocap ? k.source : undefined;
      if (src?.kind === 'object' && !objectNames.includes(src.name)) return;
      const e = entity(i === 0 ? ROOT_FRAME : model.names[i], `body/${model.names[i]}`);
      for (const g of b.geoms) addGeom(e, g);
      if (e.cubes.length + e.spheres.length + e.cylinders.length > 0) out.push(e);
      drawn.add(model.names[i]);
    });
  }
  const ee = entity(EE_FRAME, 'ee');
  ee.spheres.push({ pose: { position: v3([0, 0, 0]), orientation: IDENTITY }, size: v3([0.02, 0.02, 0.02]), color: { r: 1, g: 0.2, b: 0.2, a: 0.9 } });
  out.push(ee);
  for (const name of objectNames) {
    if (drawn.has(name)) continue;
    const e = entity(name, `object/${name}`);
    e.cubes.push({ pose: { position: v3([0, 0, 0]), orientation: IDENTITY }, size: v3([0.05, 0.05, 0.05]), color: { r: 0.2, g: 0.5, b: 0.9, a: 0.8 } });
    out.push(e);
  }
  return out;
}

/** An episode event as a `foxglove.Log` line: the event type is the `name` (the Log panel filters by it), e-stops are errors, take-overs and unsuccessful outcomes warnings. */
export function eventLog(e: EpisodeEvent, timestamp: FoxgloveTime): { timestamp: FoxgloveTime; level: number; message: string; name: string; file: string; line: number } {
  const s = (k: string) => (e[k] === undefined || e[k] === null ? 'none' : String(e[k]));
  let level: number = LOG_LEVEL.INFO;
  let message: string;
  switch (e.type) {
    case 'mode':
      message = `${e.to === 'INTERVENING' ? 'take-over: ' : e.to === 'ESTOP' ? 'e-stop: ' : ''}mode ${s('from')} -> ${s('to')}${e.reason ? ` (${String(e.reason)})` : ''}`;
      level = e.to === 'ESTOP' ? LOG_LEVEL.ERROR : e.to === 'INTERVENING' ? LOG_LEVEL.WARNING : LOG_LEVEL.INFO;
      break;
    case 'lease':
      message = `lease ${s('from')} -> ${s('to')}`;
      break;
    case 'rewind':
      message = `rewind from step ${s('fromStep')} to step ${s('toStep')}`;
      level = LOG_LEVEL.WARNING;
      break;
    case 'outcome':
      message = `outcome ${s('outcome')}`;
      level = e.outcome === 'success' ? LOG_LEVEL.INFO : LOG_LEVEL.WARNING;
      break;
    case 'command':
      message = `command ${s('command')} by ${s('operatorId')}`;
      break;
    case 'policy_swap':
      message = `policy -> ${s('policyVersion')}`;
      break;
    case 'reset':
      message = `reset (seed ${s('seed')})`;
      break;
    default: {
      const { type: _type, t: _t, step: _step, ...rest } = e;
      message = `${e.type} ${JSON.stringify(rest)}`;
    }
  }
  return { timestamp, level, message: `step ${e.step}, t ${e.t.toFixed(3)} s: ${message}`, name: e.type, file: '', line: 0 };
}

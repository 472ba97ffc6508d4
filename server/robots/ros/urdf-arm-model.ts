import type { MainModule, MjModel } from 'mujoco-js';
import { MujocoKinematics } from '../../../sim/kinematics.ts';
import { loadMujoco } from '../../../sim/mujoco-runtime.ts';
import { quatMul } from '../../../sim/quat.ts';
import { parseUrdf, UrdfError, type UrdfRobot } from './urdf-robot.ts';
import { findElement, parseXml, serializeXml, type XmlElement } from './xml-tree.ts';

/** Per-joint limits from the config; each may only tighten the URDF's. */
export interface JointLimitOverride {
  lower?: number;
  upper?: number;
  velocity?: number;
}

export interface UrdfArmSpec {
  urdf: string;
  /** the commanded joints, in the order the bridge uses everywhere */
  jointNames: string[];
  eeLink: string;
  /** EE frame relative to eeLink (URDF conventions: xyz in m, rpy fixed-axis in rad) */
  eeOffset?: { xyz?: number[]; rpy?: number[] };
  limits?: Record<string, JointLimitOverride>;
  /** posture IK's redundancy drifts towards (defaults to mid-range) */
  rest?: number[];
}

/** A URDF arm compiled into MuJoCo: kinematics on an EE site, and the effective limits. */
export interface UrdfArmModel {
  robot: UrdfRobot;
  mujoco: MainModule;
  model: MjModel;
  kinematics: MujocoKinematics;
  lower: Float64Array;
  upper: Float64Array;
  velocityLimit: Float64Array;
  eeSite: string;
  /** the MJCF actually compiled (URDF import plus the EE site) */
  mjcf: string;
  /** sum of the body offsets from the root to the EE site, m: an upper bound on the EE's distance from the base */
  reach: number;
  /** config values that were ignored because they would loosen a URDF limit, and similar notes */
  warnings: string[];
}

export const EE_SITE = 'takeover_ee';
const MOVABLE = new Set(['revolute', 'continuous', 'prismatic']);
// MuJoCo rejects moving bodies without mass; URDF links often have no <inertial> (fixed frames).
const COMPILER = { fusestatic: 'false', discardvisual: 'true', boundmass: '0.001', boundinertia: '0.000001', angle: 'radian' };

interface EmscriptenFs {
  writeFile(path: string, data: string): void;
  readFile(path: string, opts: { encoding: 'utf8' }): string;
  unlink(path: string): void;
}
let fileCounter = 0;

/** URDF fixed-axis roll-pitch-yaw -> quaternion (w, x, y, z): R = Rz(yaw) Ry(pitch) Rx(roll). */
export function rpyToQuat(r: number, p: number, y: number): number[] {
  const qx = [Math.cos(r / 2), Math.sin(r / 2), 0, 0];
  const qy = [Math.cos(p / 2), 0, Math.sin(p / 2), 0];
  const qz = [Math.cos(y / 2), 0, 0, Math.sin(y / 2)];
  return quatMul(quatMul(qz, qy, [0, 0, 0, 0]), qx, [0, 0, 0, 0]) as number[];
}

/** Effective limits of the commanded joints: URDF limits, tightened (never loosened) by the config. */
export function effectiveLimits(robot: UrdfRobot, jointNames: string[], overrides: Record<string, JointLimitOverride> = {}) {
  const n = jointNames.length;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const velocityLimit = new Float64Array(n);
  const warnings: string[] = [];
  if (n === 0) throw new UrdfError('URDF arm: no joint names configured');
  if (new Set(jointNames).size !== n) throw new UrdfError(`URDF arm: joint names repeat: ${jointNames.join(', ')}`);
  for (const name of Object.keys(overrides)) {
    if (!jointNames.includes(name)) throw new UrdfError(`URDF arm: limits name joint '${name}', which is not one of the commanded joints`);
  }
  jointNames.forEach((name, i) => {
    const j = robot.joints.find((x) => x.name === name);
    if (!j) throw new UrdfError(`URDF arm: joint '${name}' is not in the URDF (it has ${robot.joints.filter((x) => MOVABLE.has(x.type)).map((x) => x.name).join(', ')})`);
    if (!MOVABLE.has(j.type)) throw new UrdfError(`URDF arm: joint '${name}' is ${j.type}; only revolute, continuous and prismatic joints can be commanded`);
    if (j.mimic) throw new UrdfError(`URDF arm: joint '${name}' mimics '${j.mimic}' and cannot be commanded on its own`);
    const o = overrides[name] ?? {};
    let lo = j.type === 'continuous' ? -Math.PI : j.lower;
    let hi = j.type === 'continuous' ? Math.PI : j.upper;
    if (j.type === 'continuous' && o.lower === undefined && o.upper === undefined) warnings.push(`joint '${name}' is continuous; limited to [-pi, pi] (set limits.${name} to change)`);
    const tighten = (key: 'lower' | 'upper' | 'velocity', base: number, pick: (a: number, b: number) => number) => {
      const v = o[key];
      if (v === undefined) return base;
      if (!Number.isFinite(v)) throw new UrdfError(`URDF arm: limits.${name}.${key} is not a finite number`);
      if (!Number.isFinite(base)) return v;
      const t = pick(base, v);
      if (t !== v) warnings.push(`limits.${name}.${key} = ${v} would loosen the URDF's ${base}; kept ${base}`);
      return t;
    };
    lo = tighten('lower', lo, Math.max);
    hi = tighten('upper', hi, Math.min);
    const vel = tighten('velocity', j.velocity > 0 ? j.velocity : NaN, Math.min);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new UrdfError(`URDF arm: joint '${name}' has no usable position range (${lo} .. ${hi})`);
    if (!(vel > 0 && Number.isFinite(vel))) throw new UrdfError(`URDF arm: joint '${name}' has no velocity limit; set limits.${name}.velocity in the config`);
    lower[i] = lo;
    upper[i] = hi;
    velocityLimit[i] = vel;
  });
  return { lower, upper, velocityLimit, warnings };
}

/**
 * The URDF rewritten for MuJoCo's importer: no visuals or collisions (meshes live in ROS packages
 * the server cannot read), no ROS-only elements, commanded joints limited to their effective
 * range, and static links kept as bodies so the EE link survives.
 */
function kinematicUrdf(robot: UrdfRobot, jointNames: string[], lower: Float64Array, upper: Float64Array): string {
  const clone = structuredClone(robot.tree);
  clone.children = clone.children.filter((c) => c.name === 'link' || c.name === 'joint');
  for (const c of clone.children) {
    if (c.name === 'link') c.children = c.children.filter((x) => x.name === 'inertial');
    const i = c.name === 'joint' ? jointNames.indexOf(c.attrs.name) : -1;
    if (i >= 0 && c.attrs.type !== 'continuous') {
      let limit = c.children.find((x) => x.name === 'limit');
      if (!limit) c.children.push((limit = { name: 'limit', attrs: {}, children: [], text: '' }));
      limit.attrs.lower = String(lower[i]);
      limit.attrs.upper = String(upper[i]);
    }
  }
  const compiler: XmlElement = { name: 'compiler', attrs: { ...COMPILER }, children: [], text: '' };
  clone.children.unshift({ name: 'mujoco', attrs: {}, children: [compiler], text: '' });
  return serializeXml(clone);
}

/** Loads a file into MuJoCo synchronously, so `mj_saveLastXML` right after sees this model. */
function loadSync(mujoco: MainModule, text: string, ext: 'urdf' | 'xml', saveTo?: string): MjModel {
  const fs = (mujoco as unknown as { FS: EmscriptenFs }).FS;
  const path = `/takeover/ros-${process.pid}-${fileCounter++}.${ext}`;
  fs.writeFile(path, text);
  try {
    const model = mujoco.MjModel.loadFromXML(path);
    if (!model) throw new Error('MuJoCo returned no model');
    if (saveTo) (mujoco as unknown as { mj_saveLastXML(p: string, m: MjModel): number }).mj_saveLastXML(saveTo, model);
    return model;
  } catch (err) {
    if (err instanceof Error) throw new UrdfError(`URDF arm: MuJoCo could not load the ${ext.toUpperCase()}: ${err.message}`);
    const msg = (mujoco as unknown as { getExceptionMessage?: (e: unknown) => unknown }).getExceptionMessage?.(err);
    throw new UrdfError(`URDF arm: MuJoCo could not load the ${ext.toUpperCase()}: ${msg ? String(msg) : String(err)}`);
  } finally {
    fs.unlink(path);
  }
}

/**
 * Loads a robot description into MuJoCo for FK, IK, the safety filter and the console: imports the
 * URDF, then adds the EE as a site on `eeLink` (plus `eeOffset`) in the MJCF MuJoCo writes back.
 */
export async function loadUrdfArm(spec: UrdfArmSpec): Promise<UrdfArmModel> {
  const robot = parseUrdf(spec.urdf);
  if (!robot.links.includes(spec.eeLink)) throw new UrdfError(`URDF arm: EE link '${spec.eeLink}' is not in the URDF`);
  const { lower, upper, velocityLimit, warnings } = effectiveLimits(robot, spec.jointNames, spec.limits);
  const mujoco = await loadMujoco();
  const fs = (mujoco as unknown as { FS: EmscriptenFs }).FS;
  const saved = `/takeover/ros-${process.pid}-${fileCounter++}-saved.xml`;
  const imported = loadSync(mujoco, kinematicUrdf(robot, spec.jointNames, lower, upper), 'urdf', saved);
  imported.delete();
  const mjcfTree = parseXml(fs.readFile(saved, { encoding: 'utf8' }));
  fs.unlink(saved);
  const body = findElement(mjcfTree, (e) => e.name === 'body' && e.attrs.name === spec.eeLink);
  if (!body) throw new UrdfError(`URDF arm: EE link '${spec.eeLink}' did not become a MuJoCo body (is it the root link?)`);
  const xyz = spec.eeOffset?.xyz ?? [0, 0, 0];
  const rpy = spec.eeOffset?.rpy ?? [0, 0, 0];
  if (xyz.length !== 3 || rpy.length !== 3 || ![...xyz, ...rpy].every(Number.isFinite)) throw new UrdfError('URDF arm: eeOffset.xyz and eeOffset.rpy need three finite numbers each');
  const quat = rpyToQuat(rpy[0], rpy[1], rpy[2]);
  body.children.unshift({ name: 'site', attrs: { name: EE_SITE, pos: xyz.join(' '), quat: quat.join(' '), size: '0.006' }, children: [], text: '' });
  const mjcf = serializeXml(mjcfTree);
  const model = loadSync(mujoco, mjcf, 'xml');
  const kinematics = new MujocoKinematics(mujoco, model, { jointNames: spec.jointNames, eeSite: EE_SITE, rest: spec.rest });
  return { robot, mujoco, model, kinematics, lower, upper, velocityLimit, eeSite: EE_SITE, mjcf, reach: reachOf(mujoco, model), warnings };
}

/** Length of the body chain from the world to the EE site: no pose puts the EE farther from the base. */
function reachOf(mujoco: MainModule, model: MjModel): number {
  const site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE.value as never, EE_SITE);
  const sp = model.site_pos as Float64Array;
  let r = Math.hypot(sp[3 * site], sp[3 * site + 1], sp[3 * site + 2]);
  const bp = model.body_pos as Float64Array;
  for (let b = model.site_bodyid[site]; b > 0; b = model.body_parentid[b]) r += Math.hypot(bp[3 * b], bp[3 * b + 1], bp[3 * b + 2]);
  return r;
}

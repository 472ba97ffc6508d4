import type { MainModule, MjData, MjModel } from 'mujoco-js';
import type { GeomDescription, GeomsDescription } from '../../../sim/model-description.ts';

const LINK_RADIUS = 0.035;
const LINK_RGBA = [0.85, 0.85, 0.88, 1];
const JOINT_RGBA = [0.25, 0.45, 0.85, 1];

/**
 * The console's view of a URDF arm: URDF meshes live in ROS packages the server cannot read, so
 * each link is drawn as a capsule from its parent's origin to its own, with a sphere at each
 * joint, computed from the MuJoCo model (format 'geoms', one entry per MuJoCo body).
 */
export function describeUrdfArm(mujoco: MainModule, model: MjModel, eeSite: string): GeomsDescription {
  const BODY = mujoco.mjtObj.mjOBJ_BODY.value as never;
  const bodies: GeomsDescription['bodies'] = [];
  for (let b = 0; b < model.nbody; b++) bodies.push({ name: mujoco.mj_id2name(model, BODY, b) || `body${b}`, geoms: [] });
  const pos = model.body_pos as Float64Array;
  for (let b = 1; b < model.nbody; b++) {
    const parent = model.body_parentid[b];
    const v = [pos[3 * b], pos[3 * b + 1], pos[3 * b + 2]];
    const len = Math.hypot(v[0], v[1], v[2]);
    if (model.body_jntnum[b] > 0) bodies[b].geoms.push(geom('sphere', [LINK_RADIUS * 1.2, 0, 0], [0, 0, 0], [1, 0, 0, 0], JOINT_RGBA));
    if (parent === 0 || len < 1e-4) continue;
    bodies[parent].geoms.push(geom('capsule', [LINK_RADIUS, len / 2, 0], v.map((x) => x / 2), zTo(v, len), LINK_RGBA));
  }
  const site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE.value as never, eeSite);
  if (site >= 0) {
    const sp = Array.from((model.site_pos as Float64Array).subarray(3 * site, 3 * site + 3));
    bodies[model.site_bodyid[site]].geoms.push(geom('sphere', [0.012, 0, 0], sp, [1, 0, 0, 0], [1, 0.2, 0.2, 1]));
  }
  return { format: 'geoms', bodies };
}

function geom(type: GeomDescription['type'], size: number[], pos: number[], quat: number[], rgba: number[]): GeomDescription {
  return { type, size, pos, quat, rgba };
}

/** Quaternion turning +z onto the direction of v (capsules lie along their z axis). */
function zTo(v: number[], len: number): number[] {
  const [x, y, z] = v.map((c) => c / len);
  if (z < -1 + 1e-9) return [0, 1, 0, 0];
  const w = 1 + z;
  const n = Math.hypot(w, -y, x);
  return [w / n, -y / n, x / n, 0];
}

/** World poses of every body of a URDF arm for given joint positions (its own MjData). */
export class ArmBodyPoses {
  readonly #mj: MainModule;
  readonly #model: MjModel;
  readonly #data: MjData;
  readonly #qposAdr: number[];

  constructor(mujoco: MainModule, model: MjModel, jointNames: string[]) {
    this.#mj = mujoco;
    this.#model = model;
    this.#data = new mujoco.MjData(model);
    const JOINT = mujoco.mjtObj.mjOBJ_JOINT.value as never;
    this.#qposAdr = jointNames.map((n) => model.jnt_qposadr[mujoco.mj_name2id(model, JOINT, n)]);
  }

  /** Fills `out` with x, y, z, qw, qx, qy, qz per body, in body order. */
  compute(q: ArrayLike<number>, out: number[]): number[] {
    const qpos = this.#data.qpos as Float64Array;
    for (let i = 0; i < this.#qposAdr.length; i++) qpos[this.#qposAdr[i]] = q[i];
    this.#mj.mj_kinematics(this.#model, this.#data);
    const xpos = this.#data.xpos as Float64Array;
    const xquat = this.#data.xquat as Float64Array;
    const n = this.#model.nbody;
    out.length = 7 * n;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < 3; i++) out[7 * b + i] = xpos[3 * b + i];
      for (let i = 0; i < 4; i++) out[7 * b + 3 + i] = xquat[4 * b + i];
    }
    return out;
  }
}

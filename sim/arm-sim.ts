import type { MainModule, MjData, MjModel } from 'mujoco-js';
import type { ArmFeatures } from '../core/arm-features.ts';
import { plainNumbers, type Observation } from '../core/observation.ts';
import { compileModel } from './mujoco-runtime.ts';
import { MujocoKinematics } from './kinematics.ts';
import { describeModel, type GeomsDescription } from './model-description.ts';
import {
  CUBE_HALF, EE_SITE, PANDA_FINGER_TRAVEL, PANDA_JOINT_NAMES, PANDA_LOWER, PANDA_READY, PANDA_UPPER,
  PANDA_VELOCITY_LIMIT, pandaSceneXml,
} from './panda-model.ts';
import { mat3ToQuat, yawQuat } from './quat.ts';
import { SeededRandom } from '../core/seeded-random.ts';
import type { Task, TaskScene } from './tasks/task.ts';
import { getTask } from './tasks/task-registry.ts';

/** An exact copy of the whole physics state plus the task bookkeeping, for rewind. */
export interface SimSnapshot {
  state: Float64Array;
  seed: number;
  task: string;
}

// mjSTATE_INTEGRATION: time, qpos, qvel, act, warmstart, ctrl, applied forces, mocap, userdata:
// everything mj_step reads, so restore -> step reproduces the original steps bit for bit.
export const STATE_SPEC = 8191;

const id = (mujoco: MainModule, model: MjModel, type: 'BODY' | 'JOINT' | 'SITE' | 'GEOM', name: string): number => {
  const obj = mujoco.mjtObj[`mjOBJ_${type}`].value as never;
  const i = mujoco.mj_name2id(model, obj, name);
  if (i < 0) throw new Error(`ArmSim: ${type.toLowerCase()} '${name}' missing from the model`);
  return i;
};

/** The simulated Panda on a table with a task scene, stepped by MuJoCo at 2 ms. */
export class ArmSim implements TaskScene {
  readonly mujoco: MainModule;
  readonly model: MjModel;
  readonly data: MjData;
  readonly kinematics: MujocoKinematics;
  readonly features: ArmFeatures;
  readonly physicsDt: number;
  task: Task;
  seed = 0;
  readonly #qposAdr: number[];
  readonly #dofAdr: number[];
  readonly #fingerAdr: [number, number];
  readonly #cubeQposAdr: number;
  readonly #cubeBody: number;
  readonly #site: number;
  readonly #targetMocap: number;
  readonly #goalMocap: number;
  readonly #stateBuf: ReturnType<MainModule['DoubleBuffer']['FromArray']>;
  readonly #stateSize: number;
  #description: GeomsDescription | null = null;
  #tReset = 0;

  private constructor(mujoco: MainModule, model: MjModel, task: Task) {
    this.mujoco = mujoco;
    this.model = model;
    this.data = new mujoco.MjData(model);
    this.task = task;
    this.physicsDt = model.opt.timestep;
    this.kinematics = new MujocoKinematics(mujoco, model, { jointNames: PANDA_JOINT_NAMES, eeSite: EE_SITE, rest: PANDA_READY });
    this.features = {
      jointNames: [...PANDA_JOINT_NAMES],
      lower: Float64Array.from(PANDA_LOWER),
      upper: Float64Array.from(PANDA_UPPER),
      velocityLimit: Float64Array.from(PANDA_VELOCITY_LIMIT),
      eeName: EE_SITE,
      gripperRange: [0, 2 * PANDA_FINGER_TRAVEL],
    };
    const joint = (n: string) => id(mujoco, model, 'JOINT', n);
    this.#qposAdr = PANDA_JOINT_NAMES.map((n) => model.jnt_qposadr[joint(n)]);
    this.#dofAdr = PANDA_JOINT_NAMES.map((n) => model.jnt_dofadr[joint(n)]);
    this.#fingerAdr = [model.jnt_qposadr[joint('finger_left')], model.jnt_qposadr[joint('finger_right')]];
    this.#cubeQposAdr = model.jnt_qposadr[joint('cube_joint')];
    this.#cubeBody = id(mujoco, model, 'BODY', 'cube');
    this.#site = id(mujoco, model, 'SITE', EE_SITE);
    this.#targetMocap = model.body_mocapid[id(mujoco, model, 'BODY', 'target')];
    this.#goalMocap = model.body_mocapid[id(mujoco, model, 'BODY', 'goal')];
    this.#stateSize = mujoco.mj_stateSize(model, STATE_SPEC as never);
    this.#stateBuf = new mujoco.DoubleBuffer(this.#stateSize);
  }

  /** Compiles the scene and resets it for the task and seed. */
  static async create({ task = 'place', seed = 0 }: { task?: string | Task; seed?: number } = {}): Promise<ArmSim> {
    const { mujoco, model } = await compileModel(pandaSceneXml());
    const sim = new ArmSim(mujoco, model, typeof task === 'string' ? getTask(task) : task);
    sim.reset(seed);
    return sim;
  }

  /**
   * Frees the simulator's MuJoCo model, data and buffers: they live in the WASM heap, which no
   * garbage collector empties and which stops at 2 GB. Unusable after; a second call does nothing.
   */
  dispose(): void {
    this.kinematics.dispose();
    for (const o of [this.#stateBuf, this.data, this.model] as Array<{ delete(): void; isDeleted(): boolean }>) if (!o.isDeleted()) o.delete();
  }

  /** physics steps taken since the simulator was built (speed figures) */
  physicsSteps = 0;

  /** Robot time since the last reset, s. */
  get time(): number {
    return this.data.time - this.#tReset;
  }

  /** Arm to the ready pose, gripper open, objects placed by the task from the seed. */
  reset(seed: number, task?: Task): void {
    if (task) this.task = task;
    this.seed = seed;
    this.mujoco.mj_resetData(this.model, this.data);
    const qpos = this.data.qpos as Float64Array;
    this.#qposAdr.forEach((a, i) => (qpos[a] = PANDA_READY[i]));
    qpos[this.#fingerAdr[0]] = PANDA_FINGER_TRAVEL;
    qpos[this.#fingerAdr[1]] = PANDA_FINGER_TRAVEL;
    // the same stream the scenes were first generated with (mulberry32 seeded with seed ^ golden ratio)
    this.task.reset(this, new SeededRandom(((seed >>> 0) ^ 0x9e3779b9) >>> 0));
    this.setCommand(PANDA_READY, -1);
    this.mujoco.mj_forward(this.model, this.data);
    this.#tReset = this.data.time;
  }

  /** Joint position targets and gripper command in [-1, 1] (-1 open, 1 closed). */
  setCommand(q: ArrayLike<number>, gripper: number): void {
    const ctrl = this.data.ctrl as Float64Array;
    for (let i = 0; i < 7; i++) ctrl[i] = Math.min(PANDA_UPPER[i], Math.max(PANDA_LOWER[i], q[i]));
    const g = Number.isFinite(gripper) ? Math.max(-1, Math.min(1, gripper)) : -1;
    const finger = ((1 - g) / 2) * PANDA_FINGER_TRAVEL;
    ctrl[7] = finger;
    ctrl[8] = finger;
  }

  /** Current joint position targets. */
  commandedJoints(out = new Float64Array(7)): Float64Array {
    const ctrl = this.data.ctrl as Float64Array;
    for (let i = 0; i < 7; i++) out[i] = ctrl[i];
    return out;
  }

  /** Advances physics by n steps of 2 ms. */
  step(n = 1): void {
    for (let i = 0; i < n; i++) this.mujoco.mj_step(this.model, this.data);
    if (n > 0) this.physicsSteps += n;
    // mj_step leaves poses (site_xpos, xpos) computed from the state before its last integration;
    // refresh them so observations match qpos exactly (and match a restored snapshot).
    if (n > 0) this.mujoco.mj_kinematics(this.model, this.data);
  }

  /** Advances physics by (about) `seconds`, in whole physics steps; returns the steps taken. */
  advance(seconds: number): number {
    const n = Math.max(0, Math.round(seconds / this.physicsDt));
    this.step(n);
    return n;
  }

  /** Joint positions of the arm. */
  jointPositions(out = new Float64Array(7)): Float64Array {
    const qpos = this.data.qpos as Float64Array;
    for (let i = 0; i < 7; i++) out[i] = qpos[this.#qposAdr[i]];
    return out;
  }

  /** The full observation (docs/architecture.md "The control tick"). */
  observe(): Observation {
    const qpos = this.data.qpos as Float64Array;
    const qvel = this.data.qvel as Float64Array;
    const q = new Float64Array(7);
    const qd = new Float64Array(7);
    for (let i = 0; i < 7; i++) {
      q[i] = qpos[this.#qposAdr[i]];
      qd[i] = qvel[this.#dofAdr[i]];
    }
    const eePos = this.eePos();
    const eeQuat = mat3ToQuat(this.data.site_xmat as Float64Array, new Float64Array(4), 9 * this.#site) as Float64Array;
    return { t: this.time, q, qd, eePos, eeQuat, gripper: this.gripperOpening(), objects: this.task.objects(this) };
  }

  /** True when the task's success condition holds now. */
  success(): boolean {
    return this.task.success(this);
  }

  /** Exact copy of the physics state; fills `reuse` (a snapshot no longer needed) instead of allocating. */
  snapshot(reuse?: SimSnapshot | null): SimSnapshot {
    this.mujoco.mj_getState(this.model, this.data, this.#stateBuf, STATE_SPEC as never);
    const view = this.#stateBuf.GetView() as Float64Array;
    const out = reuse && reuse.state.length === this.#stateSize ? reuse : { state: new Float64Array(this.#stateSize), seed: 0, task: '' };
    out.state.set(view);
    out.state[0] -= this.#tReset; // store robot time relative to the reset
    out.seed = this.seed;
    out.task = this.task.name;
    return out;
  }

  /**
   * The whole physics state as plain numbers: mj_getState with mjSTATE_INTEGRATION (time since
   * the reset, qpos, qvel, act, warmstart, ctrl, applied forces, mocap, userdata), the layout of
   * a snapshot's `state`. `restore({ state, seed, task })` puts it back.
   */
  physicsState(): number[] {
    this.mujoco.mj_getState(this.model, this.data, this.#stateBuf, STATE_SPEC as never);
    // recorded every tick on the control thread: a counted copy, no iterator garbage
    const out = plainNumbers(this.#stateBuf.GetView() as Float64Array);
    out[0] -= this.#tReset;
    return out;
  }

  /** Restores a snapshot taken from this sim (same model). */
  restore(s: SimSnapshot): void {
    if (s.state.length !== this.#stateSize) throw new Error(`ArmSim#restore: snapshot has ${s.state.length} values, model needs ${this.#stateSize}`);
    if (s.task !== this.task.name) this.task = getTask(s.task);
    const state = Float64Array.from(s.state);
    state[0] += this.#tReset;
    this.mujoco.mj_setState(this.model, this.data, state as unknown as number[], STATE_SPEC as never);
    this.seed = s.seed;
    this.mujoco.mj_forward(this.model, this.data);
  }

  /** World poses of every body (xpos then xquat, 7 numbers each), for renderers. */
  bodyPoses<T extends { [i: number]: number } = Float64Array>(out: T = new Float64Array(7 * this.model.nbody) as unknown as T): T {
    const xpos = this.data.xpos as Float64Array;
    const xquat = this.data.xquat as Float64Array;
    for (let b = 0; b < this.model.nbody; b++) {
      for (let k = 0; k < 3; k++) out[7 * b + k] = xpos[3 * b + k];
      for (let k = 0; k < 4; k++) out[7 * b + 3 + k] = xquat[4 * b + k];
    }
    return out;
  }

  /** Bodies and geoms for a console to draw. */
  modelDescription(): GeomsDescription {
    this.#description ??= describeModel(this.mujoco, this.model);
    return this.#description;
  }

  // --- TaskScene ---
  setCubePose(pos: ArrayLike<number>, yaw: number): void {
    const qpos = this.data.qpos as Float64Array;
    const a = this.#cubeQposAdr;
    qpos[a] = pos[0];
    qpos[a + 1] = pos[1];
    qpos[a + 2] = pos[2];
    const q = yawQuat(yaw);
    for (let k = 0; k < 4; k++) qpos[a + 3 + k] = q[k];
    this.mujoco.mj_forward(this.model, this.data);
  }
  cubePose() {
    const qpos = this.data.qpos as Float64Array;
    const a = this.#cubeQposAdr;
    return { pos: qpos.slice(a, a + 3), quat: qpos.slice(a + 3, a + 7) };
  }
  setTarget(pos: ArrayLike<number>): void {
    (this.data.mocap_pos as Float64Array).set([pos[0], pos[1], pos[2]], 3 * this.#targetMocap);
  }
  targetPos(): Float64Array {
    return (this.data.mocap_pos as Float64Array).slice(3 * this.#targetMocap, 3 * this.#targetMocap + 3);
  }
  setGoal(pos: ArrayLike<number>): void {
    (this.data.mocap_pos as Float64Array).set([pos[0], pos[1], pos[2]], 3 * this.#goalMocap);
  }
  goalPos(): Float64Array {
    return (this.data.mocap_pos as Float64Array).slice(3 * this.#goalMocap, 3 * this.#goalMocap + 3);
  }
  eePos(): Float64Array {
    return (this.data.site_xpos as Float64Array).slice(3 * this.#site, 3 * this.#site + 3);
  }
  gripperOpening(): number {
    const qpos = this.data.qpos as Float64Array;
    return qpos[this.#fingerAdr[0]] + qpos[this.#fingerAdr[1]];
  }
  cubeGrasped(): boolean {
    // Geometric test: cube centred between the pads and the fingers stopped on its faces.
    const c = (this.data.xpos as Float64Array).subarray(3 * this.#cubeBody, 3 * this.#cubeBody + 3);
    const e = this.eePos();
    const open = this.gripperOpening();
    return Math.hypot(c[0] - e[0], c[1] - e[1], c[2] - e[2]) < 0.02 && open > 2 * CUBE_HALF * 0.75 && open < 2 * CUBE_HALF + 0.006;
  }
}

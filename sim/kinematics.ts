import type { MainModule, MjData, MjModel } from 'mujoco-js';
import { choleskyInPlace, choleskySolve } from './cholesky6.ts';
import { mat3ToQuat, orientationError } from './quat.ts';

/** What an IK solve achieved; the returned joints are always finite and within limits. */
export interface IkReport {
  converged: boolean;
  /** remaining position error, m */
  posError: number;
  /** remaining orientation error, rad */
  rotError: number;
  /** indices of joints that ended on a limit */
  clampedJoints: number[];
  /** the target could not be reached within tolerance (or was not finite) */
  unreachable: boolean;
  iterations: number;
}

/** Forward and inverse kinematics of one arm, in the base (world) frame. */
export interface ArmKinematics {
  readonly dof: number;
  fk(q: ArrayLike<number>, outPos: Float64Array, outQuat: Float64Array): void;
  ik(q0: ArrayLike<number>, targetPos: ArrayLike<number>, targetQuat: ArrayLike<number>, outQ: Float64Array, opts?: IkOptions): IkReport;
}

export interface IkOptions {
  maxIterations?: number;
  /** m */
  posTolerance?: number;
  /** rad */
  rotTolerance?: number;
  /**
   * extra starts (the rest posture, then fixed perturbations of it) when the first start does not
   * converge. Default 0: incremental control must never jump to another IK branch (it would
   * jerk the arm); offline callers (planning, tests) ask for restarts.
   */
  restarts?: number;
}

export interface KinematicsSpec {
  jointNames: string[];
  eeSite: string;
  /** posture the redundant degrees of freedom drift towards (defaults to mid-range) */
  rest?: ArrayLike<number>;
}

const DAMPING = 0.01;
const MIN_DAMPING = 1e-4;
const MAX_DAMPING = 1;
const NULLSPACE_GAIN = 0.05;
const MAX_JOINT_STEP = 0.2;
const RESTART_OFFSETS = [0.6, -0.5, 0.4, -0.7, 0.3, -0.4, 0.5];
// mjtJoint
const SLIDE = 2;
const HINGE = 3;

/** Views of this solver's MjData arrays; a grown wasm heap detaches them (length 0), so they are fetched again then. */
interface DataViews {
  qpos: Float64Array;
  siteXpos: Float64Array;
  siteXmat: Float64Array;
  xanchor: Float64Array;
  xaxis: Float64Array;
}

/**
 * Damped-least-squares IK on MuJoCo's site Jacobians. Works for any arm model given its joint
 * names and EE site, so ROS arms reuse it through their URDF. Keeps its own MjData, so solving
 * never disturbs the physics.
 */
export class MujocoKinematics implements ArmKinematics {
  readonly dof: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly #mj: MainModule;
  readonly #model: MjModel;
  readonly #data: MjData;
  readonly #qposAdr: Int32Array;
  readonly #dofAdr: Int32Array;
  readonly #site: number;
  readonly #rest: Float64Array;
  readonly #jacp: ReturnType<MainModule['DoubleBuffer']['FromArray']>;
  readonly #jacr: ReturnType<MainModule['DoubleBuffer']['FromArray']>;
  /** per joint: its id, its type (hinge, slide, other) and whether it moves the EE site */
  readonly #jnt: Int32Array;
  readonly #jntType: Int32Array;
  readonly #movesSite: Uint8Array;
  /** every joint a hinge or a slide: the Jacobian is built from joint axes, without mj_comPos and mj_jacSite */
  readonly #axesJacobian: boolean;
  #views: DataViews | null = null;
  // scratch, sized once
  readonly #q: Float64Array;
  readonly #J: Float64Array;
  readonly #A = new Float64Array(36);
  readonly #e = new Float64Array(6);
  readonly #y = new Float64Array(6);
  readonly #dq: Float64Array;
  readonly #dn: Float64Array;
  readonly #pos = new Float64Array(3);
  readonly #quat = new Float64Array(4);
  readonly #rot = new Float64Array(3);

  constructor(mujoco: MainModule, model: MjModel, spec: KinematicsSpec) {
    this.#mj = mujoco;
    this.#model = model;
    this.#data = new mujoco.MjData(model);
    const n = spec.jointNames.length;
    this.dof = n;
    this.#qposAdr = new Int32Array(n);
    this.#dofAdr = new Int32Array(n);
    this.#jnt = new Int32Array(n);
    this.#jntType = new Int32Array(n);
    this.#movesSite = new Uint8Array(n);
    this.lower = new Float64Array(n);
    this.upper = new Float64Array(n);
    const JOINT = mujoco.mjtObj.mjOBJ_JOINT.value;
    spec.jointNames.forEach((name, i) => {
      const id = mujoco.mj_name2id(model, JOINT as never, name);
      if (id < 0) throw new Error(`MujocoKinematics: joint '${name}' is not in the model`);
      this.#jnt[i] = id;
      this.#jntType[i] = model.jnt_type[id];
      this.#qposAdr[i] = model.jnt_qposadr[id];
      this.#dofAdr[i] = model.jnt_dofadr[id];
      const limited = model.jnt_limited ? model.jnt_limited[id] : 1;
      this.lower[i] = limited ? model.jnt_range[2 * id] : -Math.PI;
      this.upper[i] = limited ? model.jnt_range[2 * id + 1] : Math.PI;
    });
    this.#site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE.value as never, spec.eeSite);
    if (this.#site < 0) throw new Error(`MujocoKinematics: site '${spec.eeSite}' is not in the model`);
    // the bodies from the site's up to the world: a joint on one of them moves the site
    const chain = new Set<number>();
    for (let b = model.site_bodyid[this.#site]; b > 0; b = model.body_parentid[b]) chain.add(b);
    for (let i = 0; i < n; i++) this.#movesSite[i] = chain.has(model.jnt_bodyid[this.#jnt[i]]) ? 1 : 0;
    this.#axesJacobian = Array.from(this.#jntType).every((t) => t === HINGE || t === SLIDE);
    this.#rest = new Float64Array(n);
    for (let i = 0; i < n; i++) this.#rest[i] = spec.rest ? spec.rest[i] : (this.lower[i] + this.upper[i]) / 2;
    this.#jacp = new mujoco.DoubleBuffer(3 * model.nv);
    this.#jacr = new mujoco.DoubleBuffer(3 * model.nv);
    this.#q = new Float64Array(n);
    this.#J = new Float64Array(6 * n);
    this.#dq = new Float64Array(n);
    this.#dn = new Float64Array(n);
  }

  /** EE site pose for joint positions q. */
  fk(q: ArrayLike<number>, outPos: Float64Array, outQuat: Float64Array): void {
    this.#setQ(q);
    this.#mj.mj_kinematics(this.#model, this.#data);
    this.#readSite(outPos, outQuat);
  }

  /** The EE site's 6 x dof Jacobian at q, row-major into `out` (rows: linear x, y, z, then angular x, y, z). */
  jacobian(q: ArrayLike<number>, out: Float64Array): void {
    this.#computeJacobian(q);
    out.set(this.#J);
  }

  /** Frees its MuJoCo data and buffers (the model stays its owner's); the solver is unusable after. */
  dispose(): void {
    for (const o of [this.#data, this.#jacp, this.#jacr] as Array<{ delete(): void; isDeleted(): boolean }>) if (!o.isDeleted()) o.delete();
  }

  /** Solves for joints reaching the target pose, starting from q0; never returns NaN. */
  ik(q0: ArrayLike<number>, targetPos: ArrayLike<number>, targetQuat: ArrayLike<number>, outQ: Float64Array, opts: IkOptions = {}): IkReport {
    let report = this.#solveFrom(q0, targetPos, targetQuat, outQ, opts);
    const restarts = opts.restarts ?? 0;
    for (let r = 0; r < restarts && !report.converged && Number.isFinite(report.posError); r++) {
      const start = Array.from(this.#rest, (v, i) => v + (r === 0 ? 0 : RESTART_OFFSETS[(r + i) % RESTART_OFFSETS.length]));
      const candidate = new Float64Array(this.dof);
      const next = this.#solveFrom(start, targetPos, targetQuat, candidate, opts);
      if (next.posError + 0.1 * next.rotError < report.posError + 0.1 * report.rotError) {
        outQ.set(candidate);
        report = { ...next, iterations: report.iterations + next.iterations };
      }
    }
    return report;
  }

  #solveFrom(q0: ArrayLike<number>, targetPos: ArrayLike<number>, targetQuat: ArrayLike<number>, outQ: Float64Array, opts: IkOptions): IkReport {
    const { maxIterations = 100, posTolerance = 1e-4, rotTolerance = 1e-3 } = opts;
    const n = this.dof;
    const q = this.#q;
    for (let i = 0; i < n; i++) {
      const v = Number.isFinite(q0[i]) ? q0[i] : this.#rest[i];
      q[i] = Math.min(this.upper[i], Math.max(this.lower[i], v));
    }
    const finiteTarget = [0, 1, 2].every((i) => Number.isFinite(targetPos[i])) && [0, 1, 2, 3].every((i) => Number.isFinite(targetQuat[i]));
    if (!finiteTarget) {
      outQ.set(q);
      return { converged: false, posError: Infinity, rotError: Infinity, clampedJoints: [], unreachable: true, iterations: 0 };
    }
    let best = Infinity;
    let bestPos = Infinity;
    let bestRot = Infinity;
    let lambda = DAMPING;
    outQ.set(q);
    let it = 0;
    for (; it <= maxIterations; it++) {
      this.#computeJacobian(q);
      this.#readSite(this.#pos, this.#quat);
      orientationError(targetQuat, this.#quat, this.#rot);
      const ep = Math.hypot(targetPos[0] - this.#pos[0], targetPos[1] - this.#pos[1], targetPos[2] - this.#pos[2]);
      const er = Math.hypot(this.#rot[0], this.#rot[1], this.#rot[2]);
      const score = ep + 0.1 * er;
      if (score < best) {
        best = score;
        bestPos = ep;
        bestRot = er;
        outQ.set(q);
        lambda = Math.max(MIN_DAMPING, lambda * 0.5);
      } else {
        // Levenberg-Marquardt: the step made things worse, so go back and damp harder
        q.set(outQ);
        lambda = Math.min(MAX_DAMPING, lambda * 4);
        this.#computeJacobian(q);
        this.#readSite(this.#pos, this.#quat);
        orientationError(targetQuat, this.#quat, this.#rot);
      }
      if ((bestPos <= posTolerance && bestRot <= rotTolerance) || it === maxIterations) break;
      for (let i = 0; i < 3; i++) {
        this.#e[i] = targetPos[i] - this.#pos[i];
        this.#e[i + 3] = this.#rot[i];
      }
      // The damped pseudo-inverse leaks a little of the null-space pull into the task; near the
      // target that leak would become the steady-state error, so the pull stops there.
      this.#dlsStep(q, lambda, bestPos > 10 * posTolerance || bestRot > 10 * rotTolerance ? NULLSPACE_GAIN : 0);
    }
    const clampedJoints: number[] = [];
    for (let i = 0; i < n; i++) {
      if (outQ[i] <= this.lower[i] + 1e-6 || outQ[i] >= this.upper[i] - 1e-6) clampedJoints.push(i);
    }
    const converged = bestPos <= posTolerance * 1.0001 && bestRot <= rotTolerance * 1.0001;
    return { converged, posError: bestPos, rotError: bestRot, clampedJoints, unreachable: !converged, iterations: it };
  }

  /** One damped-least-squares update with a null-space pull towards the rest posture. */
  #dlsStep(q: Float64Array, lambda: number, nullGain: number): void {
    const n = this.dof;
    const J = this.#J;
    const A = this.#A;
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c <= r; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += J[r * n + k] * J[c * n + k];
        if (r === c) s += lambda * lambda;
        A[r * 6 + c] = s;
        A[c * 6 + r] = s;
      }
    }
    choleskyInPlace(A);
    // task step: dq = J^T A^-1 e
    choleskySolve(A, this.#e, this.#y);
    const dq = this.#dq;
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let r = 0; r < 6; r++) s += J[r * n + k] * this.#y[r];
      dq[k] = s;
    }
    // null-space step: dn - J^T A^-1 J dn
    const dn = this.#dn;
    for (let k = 0; k < n; k++) dn[k] = nullGain * (this.#rest[k] - q[k]);
    for (let r = 0; r < 6; r++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += J[r * n + k] * dn[k];
      this.#e[r] = s;
    }
    choleskySolve(A, this.#e, this.#y);
    let maxStep = 0;
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let r = 0; r < 6; r++) s += J[r * n + k] * this.#y[r];
      dq[k] += dn[k] - s;
      maxStep = Math.max(maxStep, Math.abs(dq[k]));
    }
    const scale = maxStep > MAX_JOINT_STEP ? MAX_JOINT_STEP / maxStep : 1;
    for (let k = 0; k < n; k++) {
      const v = q[k] + dq[k] * scale;
      q[k] = Number.isFinite(v) ? Math.min(this.upper[k], Math.max(this.lower[k], v)) : q[k];
    }
  }

  /** the MjData views, fetched again only after the wasm heap grew (embind builds a new view per getter call) */
  #v(): DataViews {
    let v = this.#views;
    if (v === null || v.qpos.length === 0) {
      const d = this.#data;
      v = this.#views = {
        qpos: d.qpos as Float64Array, siteXpos: d.site_xpos as Float64Array, siteXmat: d.site_xmat as Float64Array,
        xanchor: d.xanchor as Float64Array, xaxis: d.xaxis as Float64Array,
      };
    }
    return v;
  }

  #setQ(q: ArrayLike<number>): void {
    const qpos = this.#v().qpos;
    for (let i = 0; i < this.dof; i++) qpos[this.#qposAdr[i]] = q[i];
  }

  #readSite(outPos: Float64Array, outQuat: Float64Array): void {
    const v = this.#v();
    const xpos = v.siteXpos;
    const s = this.#site;
    outPos[0] = xpos[3 * s];
    outPos[1] = xpos[3 * s + 1];
    outPos[2] = xpos[3 * s + 2];
    mat3ToQuat(v.siteXmat, outQuat, 9 * s);
  }

  #computeJacobian(q: ArrayLike<number>): void {
    this.#setQ(q);
    this.#mj.mj_kinematics(this.#model, this.#data);
    if (this.#axesJacobian) return this.#jacobianFromAxes();
    this.#mj.mj_comPos(this.#model, this.#data);
    this.#mj.mj_jacSite(this.#model, this.#data, this.#jacp, this.#jacr, this.#site);
    const jp = this.#jacp.GetView() as Float64Array;
    const jr = this.#jacr.GetView() as Float64Array;
    const nv = this.#model.nv;
    const n = this.dof;
    for (let k = 0; k < n; k++) {
      const c = this.#dofAdr[k];
      for (let r = 0; r < 3; r++) {
        this.#J[r * n + k] = jp[r * nv + c];
        this.#J[(r + 3) * n + k] = jr[r * nv + c];
      }
    }
  }

  /**
   * The site Jacobian from the joints' world axes and anchors (mj_kinematics' xaxis, xanchor):
   * a hinge moves the site by axis x (site - anchor) and turns it about its axis, a slide moves it
   * along its axis; a joint off the site's chain moves nothing. What mj_jacSite computes for these
   * joints, without mj_comPos over every body.
   */
  #jacobianFromAxes(): void {
    const { siteXpos, xanchor, xaxis } = this.#v();
    const s = 3 * this.#site;
    const px = siteXpos[s], py = siteXpos[s + 1], pz = siteXpos[s + 2];
    const n = this.dof;
    const J = this.#J;
    for (let k = 0; k < n; k++) {
      const j = 3 * this.#jnt[k];
      const moves = this.#movesSite[k];
      const ax = moves * xaxis[j], ay = moves * xaxis[j + 1], az = moves * xaxis[j + 2];
      if (this.#jntType[k] === HINGE) {
        const rx = px - xanchor[j], ry = py - xanchor[j + 1], rz = pz - xanchor[j + 2];
        J[k] = ay * rz - az * ry;
        J[n + k] = az * rx - ax * rz;
        J[2 * n + k] = ax * ry - ay * rx;
        J[3 * n + k] = ax;
        J[4 * n + k] = ay;
        J[5 * n + k] = az;
      } else {
        J[k] = ax;
        J[n + k] = ay;
        J[2 * n + k] = az;
        J[3 * n + k] = 0;
        J[4 * n + k] = 0;
        J[5 * n + k] = 0;
      }
    }
  }
}

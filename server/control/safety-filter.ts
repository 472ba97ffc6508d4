import type { ArmKinematics } from '../../sim/kinematics.ts';

/** What the safety filter enforces on every command, whatever its source. */
export interface SafetyLimits {
  /** joint position limits, rad */
  lower: Float64Array;
  upper: Float64Array;
  /** joint velocity limits, rad/s */
  velocityLimit: Float64Array;
  /** EE workspace box in the base frame, m */
  workspaceMin: readonly [number, number, number];
  workspaceMax: readonly [number, number, number];
  /** maximum EE translation per control tick, m */
  maxEeStep: number;
  /** control period, s (joint velocity limit x dt = max joint step per tick) */
  dt: number;
}

/** Names of the limits that changed a command (reported in state frames and recorded steps). */
export type ClampKind = 'non_finite' | 'joint_position' | 'joint_velocity' | 'workspace' | 'ee_step';

const EPS = 1e-9;
const BISECTIONS = 12;

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Distance from a point to the box (0 inside). */
function boxDistance(p: Float64Array, lo: readonly number[], hi: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < 3; i++) {
    const d = p[i] < lo[i] ? lo[i] - p[i] : p[i] > hi[i] ? p[i] - hi[i] : 0;
    s += d * d;
  }
  return Math.sqrt(s);
}

function dist3(a: Float64Array, b: Float64Array): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * The last gate before a robot: joint position and velocity limits, the EE workspace box and the
 * maximum EE step per tick, checked by forward kinematics on the final joint targets. Pure given
 * the kinematics; NaN and Infinity never pass. Preallocated scratch: no allocation per call.
 */
export class SafetyFilter {
  readonly limits: SafetyLimits;
  #kin: ArmKinematics;
  #clamped: ClampKind[] = [];
  #ref: Float64Array;
  #cand: Float64Array;
  #best: Float64Array;
  #eeRef = new Float64Array(3);
  #ee = new Float64Array(3);
  #quat = new Float64Array(4);

  constructor(limits: SafetyLimits, kinematics: ArmKinematics) {
    const n = limits.lower.length;
    if (limits.upper.length !== n || limits.velocityLimit.length !== n || kinematics.dof !== n) {
      throw new Error(`SafetyFilter: limits and kinematics disagree on the joint count (${n}, ${limits.upper.length}, ${limits.velocityLimit.length}, dof ${kinematics.dof})`);
    }
    this.limits = limits;
    this.#kin = kinematics;
    this.#ref = new Float64Array(n);
    this.#cand = new Float64Array(n);
    this.#best = new Float64Array(n);
  }

  /**
   * Filters requested joint targets `qReq` given the joints `qRef` at the start of the tick.
   * Writes a command within every limit into `outQ` and returns the limits that acted (a
   * reused array: copy it to keep it). `qPrev`, the target sent last (none after a hold), bounds the
   * step between consecutive targets too: several commands in one tick, a reversal among them,
   * never move the target by more than velocity x dt from one command to the next.
   */
  filterJoints(qRef: ArrayLike<number>, qReq: ArrayLike<number>, outQ: Float64Array, qPrev?: ArrayLike<number> | null): readonly ClampKind[] {
    const { lower, upper, velocityLimit, dt } = this.limits;
    const c = this.#clamped;
    c.length = 0;
    const n = lower.length;
    const ref = this.#ref;
    // A reference that is not finite (a broken sensor) is replaced by the joint's mid-range so that
    // the output stays finite; the loop e-stops on such observations anyway.
    let refBad = false;
    for (let i = 0; i < n; i++) {
      const r = qRef[i];
      if (Number.isFinite(r)) ref[i] = r;
      else {
        ref[i] = (lower[i] + upper[i]) / 2;
        refBad = true;
      }
    }
    // The reference itself moves at most one step from the last target, so that every candidate
    // below (and the fallback, the reference) is within one step of it.
    if (qPrev) for (let i = 0; i < n; i++) {
      const step = Math.abs(velocityLimit[i]) * dt;
      ref[i] = clamp(ref[i], qPrev[i] - step, qPrev[i] + step);
    }
    let reqBad = refBad;
    for (let i = 0; i < n; i++) if (!Number.isFinite(qReq[i])) reqBad = true;
    const cand = this.#cand;
    if (reqBad) {
      c.push('non_finite');
      for (let i = 0; i < n; i++) cand[i] = clamp(ref[i], lower[i], upper[i]);
    } else {
      let vel = false;
      let pos = false;
      for (let i = 0; i < n; i++) {
        const step = Math.abs(velocityLimit[i]) * dt;
        const lo = qPrev ? Math.max(ref[i], qPrev[i]) - step : ref[i] - step;
        const hi = qPrev ? Math.min(ref[i], qPrev[i]) + step : ref[i] + step;
        const v = clamp(qReq[i], lo, hi);
        if (v !== qReq[i]) vel = true;
        const p = clamp(v, lower[i], upper[i]);
        if (p !== v) pos = true;
        cand[i] = p;
      }
      if (pos) c.push('joint_position');
      if (vel) c.push('joint_velocity');
    }
    this.#cartesianGate(cand, outQ);
    return c;
  }

  /** Shrinks the move ref -> cand along the joint-space line until the EE satisfies box and step. */
  #cartesianGate(cand: Float64Array, outQ: Float64Array): void {
    const { workspaceMin: lo, workspaceMax: hi, maxEeStep, lower, upper } = this.limits;
    const ref = this.#ref;
    const n = ref.length;
    const eeRef = this.#eeRef;
    const ee = this.#ee;
    // The reference clamped into the joint limits is the fallback that is always allowed.
    for (let i = 0; i < n; i++) ref[i] = clamp(ref[i], lower[i], upper[i]);
    this.#kin.fk(ref, eeRef, this.#quat);
    const refOut = boxDistance(eeRef, lo, hi);
    const ok = (q: Float64Array): 0 | 1 | 2 | 3 => {
      this.#kin.fk(q, ee, this.#quat);
      let bad = 0;
      if (!(Number.isFinite(ee[0]) && Number.isFinite(ee[1]) && Number.isFinite(ee[2]))) return 3;
      // Outside the box is tolerated only while it brings the EE no further out than it was.
      if (boxDistance(ee, lo, hi) > refOut + EPS) bad |= 1;
      if (dist3(ee, eeRef) > maxEeStep + EPS) bad |= 2;
      return bad as 0 | 1 | 2 | 3;
    };
    const first = ok(cand);
    if (first === 0) {
      outQ.set(cand);
      return;
    }
    if (first & 1) this.#clamped.push('workspace');
    if (first & 2) this.#clamped.push('ee_step');
    const best = this.#best;
    best.set(ref);
    let a = 0;
    let b = 1;
    for (let k = 0; k < BISECTIONS; k++) {
      const m = (a + b) / 2;
      for (let i = 0; i < n; i++) outQ[i] = ref[i] + m * (cand[i] - ref[i]);
      if (ok(outQ) === 0) {
        a = m;
        best.set(outQ);
      } else b = m;
    }
    outQ.set(best);
  }

  /**
   * Clamps an EE target position into the workspace box and to the maximum step from `refPos`,
   * before IK, so that pushing against a wall slides along it. Returns the limits that acted.
   */
  clampEeTarget(refPos: ArrayLike<number>, target: Float64Array): readonly ClampKind[] {
    const { workspaceMin: lo, workspaceMax: hi, maxEeStep } = this.limits;
    const c = this.#clamped;
    c.length = 0;
    for (let i = 0; i < 3; i++) {
      if (!Number.isFinite(target[i])) {
        c.push('non_finite');
        for (let j = 0; j < 3; j++) target[j] = refPos[j];
        return c;
      }
    }
    let box = false;
    for (let i = 0; i < 3; i++) {
      const v = clamp(target[i], lo[i], hi[i]);
      if (v !== target[i]) box = true;
      target[i] = v;
    }
    if (box) c.push('workspace');
    const d = Math.hypot(target[0] - refPos[0], target[1] - refPos[1], target[2] - refPos[2]);
    if (d > maxEeStep && d > 0) {
      const s = maxEeStep / d;
      for (let i = 0; i < 3; i++) target[i] = refPos[i] + s * (target[i] - refPos[i]);
      c.push('ee_step');
    }
    return c;
  }

  /** Gripper command in [-1, 1]; anything not finite keeps the previous command. */
  static gripper(requested: number, previous: number): number {
    if (!Number.isFinite(requested)) return Number.isFinite(previous) ? clamp(previous, -1, 1) : 0;
    return clamp(requested, -1, 1);
  }
}

import { quatMul } from '../scene/ghost-pose.ts';

type V3 = ArrayLike<number>;
type Q = ArrayLike<number>;

/**
 * Clutch teleop in the robot base frame (pure): while the grip is held, the EE target moves by the
 * controller's motion since the grip went down (translation times `scale`, rotation applied in the
 * base frame); releasing freezes the target, so the operator can re-grip and keep going.
 */
export class XrClutch {
  engaged = false;
  readonly target = { pos: [0, 0, 0] as [number, number, number], quat: [1, 0, 0, 0] as [number, number, number, number] };
  readonly #c0 = [0, 0, 0];
  #c0inv: [number, number, number, number] = [1, 0, 0, 0];
  readonly #t0 = { pos: [0, 0, 0], quat: [1, 0, 0, 0] as ArrayLike<number> };

  constructor(readonly scale = 1) {}

  /** Grip down: anchor the controller pose to the EE pose the target starts from. */
  engage(ctrlPos: V3, ctrlQuat: Q, fromPos: V3, fromQuat: Q): void {
    this.engaged = true;
    for (let i = 0; i < 3; i++) {
      this.#c0[i] = ctrlPos[i];
      this.#t0.pos[i] = fromPos[i];
      this.target.pos[i] = fromPos[i];
    }
    this.#c0inv = [ctrlQuat[0], -ctrlQuat[1], -ctrlQuat[2], -ctrlQuat[3]];
    this.#t0.quat = [fromQuat[0], fromQuat[1], fromQuat[2], fromQuat[3]];
    this.target.quat = [fromQuat[0], fromQuat[1], fromQuat[2], fromQuat[3]];
  }

  /** Controller moved: the new target, or null when not engaged. */
  update(ctrlPos: V3, ctrlQuat: Q): { pos: [number, number, number]; quat: [number, number, number, number] } | null {
    if (!this.engaged) return null;
    for (let i = 0; i < 3; i++) this.target.pos[i] = this.#t0.pos[i] + this.scale * (ctrlPos[i] - this.#c0[i]);
    this.target.quat = quatMul(quatMul(ctrlQuat, this.#c0inv), this.#t0.quat);
    return this.target;
  }

  /** How far (m) the target has moved from where the grip went down (0 when not engaged). */
  displacement(): number {
    if (!this.engaged) return 0;
    return Math.hypot(this.target.pos[0] - this.#t0.pos[0], this.target.pos[1] - this.#t0.pos[1], this.target.pos[2] - this.#t0.pos[2]);
  }

  release(): void {
    this.engaged = false;
  }
}

/** Analog trigger -> gripper command with hysteresis (close above 0.6, open below 0.4). */
export class TriggerGripper {
  closed = false;
  update(value: number): number {
    if (!this.closed && value > 0.6) this.closed = true;
    else if (this.closed && value < 0.4) this.closed = false;
    return this.closed ? 1 : -1;
  }
}

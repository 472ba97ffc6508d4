import type { ActionScale } from '../../core/action.ts';
import { eeDeltaTowards } from '../../sim/ee-delta.ts';
import { quatNormalize } from '../../sim/quat.ts';

/** An operator's teleop command: a normalized EE delta (held as a velocity) or an absolute EE target pose. */
export type TeleopCommand =
  /** `label`: the training target when it is not the action sent (a simulated correction with injected noise) */
  | { kind: 'delta'; action: ArrayLike<number>; label?: ArrayLike<number> }
  | { kind: 'pose'; pos: ArrayLike<number>; quat: ArrayLike<number>; gripper: number };

/**
 * The controlling operator's latest teleop command. A delta acts like a joystick: it keeps
 * moving the arm for `deltaTtl` seconds after it arrived, then the arm stays (the console
 * re-sends while a key is held). A pose target persists until replaced.
 */
export class TeleopInput {
  readonly deltaTtl: number;
  #kind: 'none' | 'delta' | 'pose' = 'none';
  #at = -Infinity;
  #action = new Float64Array(7);
  #pos = new Float64Array(3);
  #quat = new Float64Array(4);
  #gripper = -1;
  #label: number[] | null = null;

  constructor({ deltaTtl = 0.25 }: { deltaTtl?: number } = {}) {
    this.deltaTtl = deltaTtl;
  }

  /** stores a validated command received at loop time t */
  set(cmd: TeleopCommand, t: number): void {
    this.#at = t;
    if (cmd.kind === 'delta') {
      this.#kind = 'delta';
      for (let i = 0; i < 7; i++) this.#action[i] = cmd.action[i];
      this.#gripper = cmd.action[6];
      this.#label = cmd.label ? Array.from(cmd.label) : null;
    } else {
      this.#label = null;
      this.#kind = 'pose';
      for (let i = 0; i < 3; i++) this.#pos[i] = cmd.pos[i];
      for (let i = 0; i < 4; i++) this.#quat[i] = cmd.quat[i];
      quatNormalize(this.#quat);
      this.#gripper = cmd.gripper;
    }
  }

  /** forgets the command (lease change, episode reset, hold) */
  clear(): void {
    this.#kind = 'none';
    this.#gripper = -1;
    this.#label = null;
  }

  /** The training label of the delta acting at loop time t, if it came with one. */
  labelAt(t: number): number[] | null {
    return this.#kind === 'delta' && t - this.#at <= this.deltaTtl ? this.#label : null;
  }

  get kind(): 'none' | 'delta' | 'pose' {
    return this.#kind;
  }

  /**
   * Writes the normalized action for a tick that starts from EE pose (pos, quat) at time t.
   * Translation and rotation are scaled down together (direction kept) to fit [-1, 1].
   */
  actionAt(t: number, pos: ArrayLike<number>, quat: ArrayLike<number>, scale: ActionScale, dt: number, out: Float64Array): void {
    if (this.#kind === 'delta' && t - this.#at <= this.deltaTtl) {
      out.set(this.#action);
    } else if (this.#kind === 'pose') {
      eeDeltaTowards(pos, quat, this.#pos, this.#quat, scale, dt, out);
      fitUnit(out, 0);
      fitUnit(out, 3);
    } else {
      out.fill(0, 0, 6);
    }
    out[6] = this.#gripper;
  }
}

function fitUnit(a: Float64Array, from: number): void {
  const m = Math.max(Math.abs(a[from]), Math.abs(a[from + 1]), Math.abs(a[from + 2]));
  if (m > 1) for (let i = from; i < from + 3; i++) a[i] /= m;
}

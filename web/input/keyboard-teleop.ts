/** Keyboard layout for EE teleop: code -> [action index, sign]. Base frame: x forward, y left, z up. */
export const TELEOP_KEYS: Readonly<Record<string, readonly [number, number]>> = {
  KeyW: [0, 1], KeyS: [0, -1],
  KeyA: [1, 1], KeyD: [1, -1],
  KeyR: [2, 1], KeyF: [2, -1],
  KeyU: [3, 1], KeyO: [3, -1], // roll
  KeyI: [4, 1], KeyK: [4, -1], // pitch
  KeyJ: [5, 1], KeyL: [5, -1], // yaw
};
/** toggles the gripper between open (-1) and closed (1) */
export const GRIPPER_KEY = 'KeyG';
/** held: half speed */
export const FINE_KEY = 'ShiftLeft';

/**
 * Held teleop keys -> a normalized EE-delta action (pure: feed it key events, read `action`).
 * The gripper is a toggle so it stays closed on an object without holding a key.
 */
export class KeyboardTeleop {
  readonly #held = new Set<string>();
  gripper = -1;

  /** Returns true when the key belongs to teleop (the caller then prevents its default). */
  keyDown(code: string): boolean {
    if (code === GRIPPER_KEY) {
      if (!this.#held.has(code)) this.gripper = this.gripper > 0 ? -1 : 1;
      this.#held.add(code);
      return true;
    }
    if (code in TELEOP_KEYS || code === FINE_KEY || code === 'ShiftRight') {
      this.#held.add(code);
      return true;
    }
    return false;
  }

  keyUp(code: string): boolean {
    return this.#held.delete(code);
  }

  /** Forget held keys (window blur: a key released elsewhere must not keep the arm moving). */
  releaseAll(): void {
    this.#held.clear();
  }

  /** True while a motion key is held. */
  get moving(): boolean {
    for (const c of this.#held) if (c in TELEOP_KEYS) return true;
    return false;
  }

  /** Writes the current action: opposite keys cancel, Shift halves the speed. */
  action(out: Float64Array | number[] = new Float64Array(7)): Float64Array | number[] {
    for (let i = 0; i < 6; i++) out[i] = 0;
    const gain = this.#held.has(FINE_KEY) || this.#held.has('ShiftRight') ? 0.5 : 1;
    for (const c of this.#held) {
      const k = TELEOP_KEYS[c];
      if (k) out[k[0]] += k[1] * gain;
    }
    out[6] = this.gripper;
    return out;
  }
}

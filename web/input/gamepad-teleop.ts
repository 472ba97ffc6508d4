/** What the console reads of a Gamepad (a plain snapshot so tests need no Gamepad API). */
export interface PadSnapshot {
  axes: readonly number[];
  buttons: readonly { pressed: boolean; value: number }[];
}

export const DEADZONE = 0.15;
// Standard mapping: 0 A, 1 B, 4 LB, 5 RB, 6 LT, 7 RT; axes 0/1 left stick, 2/3 right stick.
const A = 0, LB = 4, RB = 5, LT = 6, RT = 7;

function dz(v: number | undefined): number {
  if (v === undefined || !Number.isFinite(v) || Math.abs(v) < DEADZONE) return 0;
  return (Math.sign(v) * (Math.abs(v) - DEADZONE)) / (1 - DEADZONE);
}

/**
 * Standard-mapping gamepad -> normalized EE delta: left stick x/y, right stick y = z and
 * x = yaw, LB/RB roll, right trigger closes the gripper (analog), left trigger opens it.
 */
export function gamepadAction(pad: PadSnapshot, out: Float64Array | number[] = new Float64Array(7), lastGripper = -1): Float64Array | number[] {
  const b = (i: number) => pad.buttons[i]?.value ?? 0;
  out[0] = -dz(pad.axes[1]); // stick up = forward (+x)
  out[1] = -dz(pad.axes[0]); // stick left = +y
  out[2] = -dz(pad.axes[3]);
  out[3] = b(RB) - b(LB);
  out[4] = 0;
  out[5] = -dz(pad.axes[2]);
  const rt = b(RT), lt = b(LT);
  out[6] = rt > 0.05 ? 2 * rt - 1 : lt > 0.05 ? -1 : lastGripper;
  return out;
}

/** Rising-edge detector for the take-over button (A), so a held button toggles once. */
export class PadButtonEdge {
  #was = false;
  constructor(readonly button = A) {}

  /** True on the frame the button goes down. */
  pressed(pad: PadSnapshot): boolean {
    const now = pad.buttons[this.button]?.pressed ?? false;
    const edge = now && !this.#was;
    this.#was = now;
    return edge;
  }
}

/** True when any stick or trigger is outside the dead zone. */
export function padActive(a: ArrayLike<number>): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== 0) return true;
  return false;
}

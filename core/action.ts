import { Type, type Static } from '@sinclair/typebox';

/**
 * The action space shared by policies and operators (docs/architecture.md): an end-effector delta in the
 * robot base frame plus the gripper, as robosuite's OSC controller uses.
 *
 * Index: 0..2 translation (dx, dy, dz), 3..5 rotation (droll, dpitch, dyaw, an axis-angle
 * vector), 6 gripper (-1 open, 1 closed). Components are normalized to [-1, 1]; a component of 1
 * means the configured maximum speed (`ActionScale`) held for one control tick, so the same
 * policy means the same motion at any control rate.
 */
export const ACTION_DIM = 7;

/** Wire and recording form of an action: seven finite numbers in [-1, 1]. */
export const ActionSchema = Type.Array(Type.Number({ minimum: -1, maximum: 1 }), {
  $id: 'takeover/Action',
  minItems: ACTION_DIM,
  maxItems: ACTION_DIM,
  description: 'EE delta [dx, dy, dz, droll, dpitch, dyaw] and gripper, each in [-1, 1]',
});
export type ActionArray = Static<typeof ActionSchema>;

/** Maximum EE speeds that an action component of 1 stands for. */
export interface ActionScale {
  /** metres per second */
  translation: number;
  /** radians per second */
  rotation: number;
}

export const DEFAULT_ACTION_SCALE: ActionScale = { translation: 0.25, rotation: 1.5 };

/** A zeroed action buffer (hot paths reuse one instead of allocating per tick). */
export function zeroAction(): Float64Array {
  return new Float64Array(ACTION_DIM);
}

/** Clips every component into [-1, 1]; NaN becomes 0 so a bad source can never move the arm. */
export function clipAction(src: ArrayLike<number>, out: Float64Array = zeroAction()): Float64Array {
  for (let i = 0; i < ACTION_DIM; i++) {
    const v = src[i];
    out[i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  }
  return out;
}

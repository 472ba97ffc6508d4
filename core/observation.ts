import { Type, type Static } from '@sinclair/typebox';

const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });
/** Quaternion in MuJoCo's order (w, x, y, z). */
const Quat = Type.Array(Type.Number(), { minItems: 4, maxItems: 4 });

/** Pose of a task object (the cube, the target marker), in the robot base frame. */
export const ObjectPoseSchema = Type.Object({ name: Type.String(), pos: Vec3, quat: Quat });
export type ObjectPose = Static<typeof ObjectPoseSchema>;

/**
 * What a robot reports each tick (docs/architecture.md "The control tick"). Wire and recording form; the
 * control loop keeps the same fields in typed arrays (`Observation`).
 */
export const ObservationSchema = Type.Object(
  {
    t: Type.Number({ description: 'robot clock, seconds since the episode reset' }),
    q: Type.Array(Type.Number(), { description: 'joint positions, rad' }),
    qd: Type.Array(Type.Number(), { description: 'joint velocities, rad/s' }),
    eePos: Vec3,
    eeQuat: Quat,
    gripper: Type.Number({ description: 'finger opening, m (0 = closed)' }),
    objects: Type.Array(ObjectPoseSchema),
  },
  { $id: 'takeover/Observation' },
);
export type ObservationRecord = Static<typeof ObservationSchema>;

/** In-memory observation: the same fields, typed arrays for the vectors. */
export interface Observation {
  t: number;
  q: Float64Array;
  qd: Float64Array;
  eePos: Float64Array;
  eeQuat: Float64Array;
  gripper: number;
  objects: ObjectPose[];
}

/**
 * A plain array copy of numbers. Called for every recorded step on the control thread: a counted
 * loop allocates only the array, where Array.from and spreads allocate an iterator result per element.
 */
export function plainNumbers(xs: ArrayLike<number>): number[] {
  const out = new Array<number>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i];
  return out;
}

/** Converts an in-memory observation to its plain wire/recording form. */
export function observationToRecord(o: Observation): ObservationRecord {
  return {
    t: o.t,
    q: plainNumbers(o.q),
    qd: plainNumbers(o.qd),
    eePos: plainNumbers(o.eePos),
    eeQuat: plainNumbers(o.eeQuat),
    gripper: o.gripper,
    objects: o.objects.map((p) => ({ name: p.name, pos: plainNumbers(p.pos), quat: plainNumbers(p.quat) })),
  };
}

/** True when the joints and the EE position are all finite (anything else must stop the arm). */
export function isObservationFinite(o: Observation): boolean {
  for (const v of o.q) if (!Number.isFinite(v)) return false;
  for (const v of o.eePos) if (!Number.isFinite(v)) return false;
  return true;
}

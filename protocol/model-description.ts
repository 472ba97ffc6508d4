import { Type, type Static } from '@sinclair/typebox';

const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });
const Vec4 = Type.Array(Type.Number(), { minItems: 4, maxItems: 4 });

/** One visual primitive of a body, in the body frame (MuJoCo geom conventions: size is MuJoCo's size). */
export const GeomSchema = Type.Object({
  type: Type.Union(['plane', 'sphere', 'capsule', 'ellipsoid', 'cylinder', 'box', 'mesh'].map((t) => Type.Literal(t))),
  size: Type.Array(Type.Number(), { maxItems: 3 }),
  pos: Vec3,
  /** w, x, y, z */
  quat: Vec4,
  rgba: Vec4,
  /** mesh geoms: vertex positions (flat xyz) and triangle indices */
  vertices: Type.Optional(Type.Array(Type.Number())),
  faces: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
});
export type Geom = Static<typeof GeomSchema>;

/** Where a joint's (or mocap body's) value comes from in an observation. */
export const JointSourceSchema = Type.Union([
  /** arm joint: obs.q[index] (index in the robot's jointNames order) */
  Type.Object({ kind: Type.Literal('q'), index: Type.Integer({ minimum: 0 }) }),
  /** finger joint: obs.gripper * scale (0.5 when two fingers each move half the opening) */
  Type.Object({ kind: Type.Literal('gripper'), scale: Type.Number() }),
  /** free joint or mocap body: the pose of the named entry of obs.objects */
  Type.Object({ kind: Type.Literal('object'), name: Type.String() }),
]);
export type JointSource = Static<typeof JointSourceSchema>;

/** One joint of a body, MuJoCo conventions: axis and anchor in the body frame. */
export const KinematicJointSchema = Type.Object({
  type: Type.Union([Type.Literal('hinge'), Type.Literal('slide'), Type.Literal('free')]),
  axis: Vec3,
  pos: Vec3,
  /** the joint value at which the body sits at pos/quat (MuJoCo's qpos0; 0 when absent) */
  ref: Type.Optional(Type.Number()),
  /** absent: the joint stays at ref */
  source: Type.Optional(JointSourceSchema),
});
export type KinematicJoint = Static<typeof KinematicJointSchema>;

/**
 * One body of the kinematic tree (MuJoCo's body_parentid, body_pos, body_quat): pose relative to
 * the parent at the joint's reference value. Mocap bodies take their world pose from `source`.
 */
export const KinematicBodySchema = Type.Object({
  parent: Type.Integer({ minimum: 0 }),
  pos: Vec3,
  /** w, x, y, z */
  quat: Vec4,
  joint: Type.Optional(KinematicJointSchema),
  mocap: Type.Optional(Type.Boolean()),
  /** mocap bodies: the object whose pose they take */
  source: Type.Optional(JointSourceSchema),
});
export type KinematicBody = Static<typeof KinematicBodySchema>;

/**
 * What the console needs to draw a robot: bodies with geoms (body poses arrive in each state
 * frame's `bodies` field, 7 numbers per body in this order), or a URDF document for ROS arms.
 * `kinematics` (optional, one entry per body in the same order) lets a console compute body poses
 * from a recorded observation (replay), where no body poses were recorded.
 */
export const ModelDescriptionSchema = Type.Union(
  [
    Type.Object({
      format: Type.Literal('geoms'),
      bodies: Type.Array(Type.Object({ name: Type.String(), geoms: Type.Array(GeomSchema) })),
      kinematics: Type.Optional(Type.Array(KinematicBodySchema)),
    }),
    Type.Object({ format: Type.Literal('urdf'), urdf: Type.String(), packages: Type.Optional(Type.Record(Type.String(), Type.String())) }),
  ],
  { $id: 'takeover/ModelDescription' },
);
export type ModelDescription = Static<typeof ModelDescriptionSchema>;

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

/**
 * What the console needs to draw a robot: bodies with geoms (body poses arrive in each state
 * frame's `bodies` field, 7 numbers per body in this order), or a URDF document for ROS arms.
 */
export const ModelDescriptionSchema = Type.Union(
  [
    Type.Object({
      format: Type.Literal('geoms'),
      bodies: Type.Array(Type.Object({ name: Type.String(), geoms: Type.Array(GeomSchema) })),
    }),
    Type.Object({ format: Type.Literal('urdf'), urdf: Type.String(), packages: Type.Optional(Type.Record(Type.String(), Type.String())) }),
  ],
  { $id: 'takeover/ModelDescription' },
);
export type ModelDescription = Static<typeof ModelDescriptionSchema>;

import { Type, type Static } from '@sinclair/typebox';

/**
 * The model description the console renders. Mirrors sim/model-description.ts field for field
 * (kept here so the protocol, which the browser imports, depends on nothing outside
 * server/protocol and core).
 */
export const GeomDescriptionSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([
    Type.Literal('plane'), Type.Literal('sphere'), Type.Literal('capsule'), Type.Literal('ellipsoid'),
    Type.Literal('cylinder'), Type.Literal('box'), Type.Literal('mesh'),
  ]),
  body: Type.Integer({ minimum: 0, description: 'index into bodies' }),
  /** MuJoCo geom_size: sphere [r], capsule/cylinder [r, half-length], box [hx, hy, hz] */
  size: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
  pos: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
  quat: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
  rgba: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
});

/**
 * Bodies (whose world poses come with every state frame as `bodies`, 7 numbers each:
 * x, y, z, qw, qx, qy, qz, in this order) and their geoms.
 */
export const ModelDescriptionSchema = Type.Object(
  {
    format: Type.Literal('mujoco-geoms/1'),
    bodies: Type.Array(Type.String()),
    geoms: Type.Array(GeomDescriptionSchema),
    eeSite: Type.String(),
  },
  { $id: 'takeover/ModelDescription' },
);
export type ModelDescription = Static<typeof ModelDescriptionSchema>;

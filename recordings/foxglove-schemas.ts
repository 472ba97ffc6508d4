/**
 * JSON Schemas of the Foxglove well-known messages the Foxglove export writes
 * (docs/recordings.md "Foxglove and Lichtblick"). Each definition follows the official
 * `foxglove.*` JSON schema field for field (names, types, nesting, the `oneOf` integer enums);
 * SceneUpdate lists only the primitive kinds written here (cubes, spheres, cylinders), which a
 * viewer reads like the full schema since no field is required.
 */

type Json = Record<string, unknown>;

const num = (description: string): Json => ({ type: 'number', description });
const obj = (title: string, description: string, properties: Json): Json => ({ title, description, type: 'object', properties });

const time = (description: string): Json => ({
  type: 'object',
  title: 'time',
  properties: { sec: { type: 'integer', minimum: 0 }, nsec: { type: 'integer', minimum: 0, maximum: 999999999 } },
  description,
});
const duration = (description: string): Json => ({
  type: 'object',
  title: 'duration',
  properties: { sec: { type: 'integer' }, nsec: { type: 'integer', minimum: 0, maximum: 999999999 } },
  description,
});
const vector3 = (description: string): Json => obj('foxglove.Vector3', description, { x: num('x coordinate length'), y: num('y coordinate length'), z: num('z coordinate length') });
const quaternion = (description: string): Json => obj('foxglove.Quaternion', description, { x: num('x value'), y: num('y value'), z: num('z value'), w: num('w value') });
const color = (description: string): Json =>
  obj('foxglove.Color', description, { r: num('Red value between 0 and 1'), g: num('Green value between 0 and 1'), b: num('Blue value between 0 and 1'), a: num('Alpha value between 0 and 1') });
const pose = (description: string): Json =>
  obj('foxglove.Pose', description, { position: vector3('Point denoting position in 3D space'), orientation: quaternion('Quaternion denoting orientation in 3D space') });
const arrayOf = (items: Json, description: string): Json => ({ type: 'array', items, description });

const frameTransform = obj('foxglove.FrameTransform', 'A transform between two reference frames in 3D space', {
  timestamp: time('Timestamp of transform'),
  parent_frame_id: { type: 'string', description: 'Name of the parent frame' },
  child_frame_id: { type: 'string', description: 'Name of the child frame' },
  translation: vector3('Translation component of the transform'),
  rotation: quaternion('Rotation component of the transform'),
});

/** `foxglove.FrameTransforms`: the transform tree of one step. */
export const FRAME_TRANSFORMS_SCHEMA: Json = {
  title: 'foxglove.FrameTransforms',
  description: 'An array of FrameTransform messages',
  type: 'object',
  properties: { transforms: arrayOf(frameTransform, 'Array of transforms') },
};

const cube = obj('foxglove.CubePrimitive', 'A primitive representing a cube or rectangular prism', {
  pose: pose('Position of the center of the cube and orientation of the cube'),
  size: vector3('Size of the cube along each axis'),
  color: color('Color of the cube'),
});
const sphere = obj('foxglove.SpherePrimitive', 'A primitive representing a sphere or ellipsoid', {
  pose: pose('Position of the center of the sphere and orientation of the sphere'),
  size: vector3('Size (diameter) of the sphere along each axis'),
  color: color('Color of the sphere'),
});
const cylinder = obj('foxglove.CylinderPrimitive', 'A primitive representing a cylinder, elliptic cylinder, or truncated cone', {
  pose: pose('Position of the center of the cylinder and orientation of the cylinder. The flat face(s) are perpendicular to the z-axis.'),
  size: vector3("Size of the cylinder's bounding box"),
  bottom_scale: num("0-1, ratio of the diameter of the cylinder's bottom face (min z) to the bottom of the bounding box"),
  top_scale: num("0-1, ratio of the diameter of the cylinder's top face (max z) to the top of the bounding box"),
  color: color('Color of the cylinder'),
});
const keyValue = obj('foxglove.KeyValuePair', 'A key with its associated value', { key: { type: 'string', description: 'Key' }, value: { type: 'string', description: 'Value' } });

/** `foxglove.SceneUpdate`: the robot's links and the task objects as primitives, each locked to its frame. */
export const SCENE_UPDATE_SCHEMA: Json = {
  title: 'foxglove.SceneUpdate',
  description: 'An update to the entities displayed in a 3D scene',
  type: 'object',
  properties: {
    deletions: arrayOf(
      obj('foxglove.SceneEntityDeletion', 'Command to remove previously published entities', {
        timestamp: time('Timestamp of the deletion. Only matching entities earlier than this timestamp will be deleted.'),
        type: {
          title: 'foxglove.SceneEntityDeletionType',
          description: 'Type of deletion action to perform',
          oneOf: [
            { title: 'MATCHING_ID', const: 0, description: 'Delete the existing entity on the same topic that has the provided `id`' },
            { title: 'ALL', const: 1, description: 'Delete all existing entities on the same topic' },
          ],
        },
        id: { type: 'string', description: 'Identifier which must match if `type` is `MATCHING_ID`.' },
      }),
      'Scene entities to delete',
    ),
    entities: arrayOf(
      obj('foxglove.SceneEntity', 'A visual element in a 3D scene. An entity may be composed of multiple primitives which all share the same frame of reference.', {
        timestamp: time('Timestamp of the entity'),
        frame_id: { type: 'string', description: 'Frame of reference' },
        id: { type: 'string', description: 'Identifier for the entity. A entity will replace any prior entity on the same topic with the same `id`.' },
        lifetime: duration('Length of time (relative to `timestamp`) after which the entity should be automatically removed. Zero value indicates the entity should remain visible until it is replaced or deleted.'),
        frame_locked: { type: 'boolean', description: 'Whether the entity should keep its location in the fixed frame (false) or follow the frame specified in `frame_id` as it moves relative to the fixed frame (true)' },
        metadata: arrayOf(keyValue, 'Additional user-provided metadata associated with the entity. Keys must be unique.'),
        cubes: arrayOf(cube, 'Cube primitives'),
        spheres: arrayOf(sphere, 'Sphere primitives'),
        cylinders: arrayOf(cylinder, 'Cylinder primitives'),
      }),
      'Scene entities to add or replace',
    ),
  },
};

/** `foxglove.Log` levels. */
export const LOG_LEVEL = { UNKNOWN: 0, DEBUG: 1, INFO: 2, WARNING: 3, ERROR: 4, FATAL: 5 } as const;

/** `foxglove.Log`: one episode event (mode change, take-over, rewind, e-stop, outcome) as a log line. */
export const LOG_SCHEMA: Json = {
  title: 'foxglove.Log',
  description: 'A log message',
  type: 'object',
  properties: {
    timestamp: time('Timestamp of log message'),
    level: {
      title: 'foxglove.LogLevel',
      description: 'Log level',
      oneOf: Object.entries(LOG_LEVEL).map(([title, value]) => ({ title, const: value })),
    },
    message: { type: 'string', description: 'Log message' },
    name: { type: 'string', description: 'Process or node name' },
    file: { type: 'string', description: 'Filename' },
    line: { type: 'integer', minimum: 0, description: 'Line number in the file' },
  },
};

/** Joint positions and velocities by name, one message per step (the Plot panel reads `/joints.position[i]`). */
export const JOINT_STATE_SCHEMA: Json = {
  title: 'takeover.JointState',
  description: 'Joint positions (rad, m for the gripper opening) and velocities (rad/s) of one step',
  type: 'object',
  properties: {
    timestamp: time('Timestamp of the step'),
    name: { type: 'array', items: { type: 'string' }, description: 'joint names, in observation order; the last is the gripper opening' },
    position: { type: 'array', items: { type: 'number' }, description: 'joint positions in the order of name' },
    velocity: { type: 'array', items: { type: 'number' }, description: 'joint velocities in the order of name (the gripper has none: 0)' },
  },
};

/**
 * `foxglove.CompressedImage`: one camera frame, the `/camera/<name>` channels of a journal. In
 * JSON encoding the bytes are a base64 string (`contentEncoding`), as Foxglove reads them.
 */
export const COMPRESSED_IMAGE_SCHEMA: Json = {
  title: 'foxglove.CompressedImage',
  description: 'A compressed image',
  type: 'object',
  properties: {
    timestamp: time('Timestamp of image'),
    frame_id: { type: 'string', description: 'Frame of reference for the image. The origin of the frame is the optical center of the camera. +x points to the right in the image, +y points down, and +z points into the plane of the image.' },
    data: { type: 'string', contentEncoding: 'base64', description: 'Compressed image data' },
    format: { type: 'string', description: 'Image format\n\nSupported values: `jpeg`, `png`, `webp`, `avif`' },
  },
};

/** The added topics of a Foxglove export and the schema (by name) each carries. */
export const FOXGLOVE_TOPICS = {
  tf: { topic: '/tf', schemaName: 'foxglove.FrameTransforms', schema: FRAME_TRANSFORMS_SCHEMA },
  scene: { topic: '/scene', schemaName: 'foxglove.SceneUpdate', schema: SCENE_UPDATE_SCHEMA },
  log: { topic: '/log', schemaName: 'foxglove.Log', schema: LOG_SCHEMA },
  joints: { topic: '/joints', schemaName: 'takeover.JointState', schema: JOINT_STATE_SCHEMA },
} as const;
export type FoxgloveTopic = keyof typeof FOXGLOVE_TOPICS;

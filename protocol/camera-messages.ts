import { Type, type Static } from '@sinclair/typebox';

/**
 * Messages of the camera socket, GET /ws/cameras (docs/protocol.md "Camera socket"): server ->
 * client only, msgpack like the main socket. Images never travel on /ws, so a viewer's image
 * bytes never queue in front of its state frames. Node-free: the browser imports this module.
 */

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
export const ImageFormatSchema = Type.Union([Type.Literal('jpeg'), Type.Literal('png')], { $id: 'takeover/ImageFormat' });
export type ImageFormat = Static<typeof ImageFormatSchema>;

/** What one camera of the robot offers (ros.cameras). */
export const CameraInfoSchema = Type.Object({
  name: Name,
  /** most frames per second this socket gets from it (the camera's maxRate, or less if the viewer asked) */
  maxRate: Type.Number({ exclusiveMinimum: 0 }),
  /** frames per second recorded into episode journals (0: none) */
  recordRate: Type.Number({ minimum: 0 }),
}, { additionalProperties: false });
export type CameraInfo = Static<typeof CameraInfoSchema>;

/** First message on a camera socket: the robot's cameras this socket streams. */
export const CameraListSchema = Type.Object({
  type: Type.Literal('cameras'),
  robot: Name,
  cameras: Type.Array(CameraInfoSchema, { maxItems: 8 }),
}, { additionalProperties: false, $id: 'takeover/CameraList' });

/** One compressed image, newest-wins: frames a viewer could not take in time are dropped, never queued. */
export const CameraFrameSchema = Type.Object({
  type: Type.Literal('image'),
  robot: Name,
  camera: Name,
  format: ImageFormatSchema,
  /** the server's count of frames received from this camera (gaps are frames this viewer did not get) */
  seq: Type.Integer({ minimum: 0 }),
  /** the source's header.stamp, s on the robot's clock (0 when the publisher left it empty) */
  stamp: Type.Number(),
  /** when the server received the frame from rosbridge, ms since the epoch (server clock) */
  receivedAt: Type.Number(),
  /** when the server sent it to this socket, ms since the epoch (server clock; the console estimates its clock offset from it) */
  sentAt: Type.Number(),
  /** frames of this camera dropped for this socket so far (newer ones replaced them) */
  dropped: Type.Integer({ minimum: 0 }),
  /** the image file bytes (JPEG or PNG) */
  data: Type.Uint8Array({ maxByteLength: 4 * 1024 * 1024 }),
}, { additionalProperties: false, $id: 'takeover/CameraFrame' });

/** The camera link lost its source (rosbridge down) or found it again. */
export const CameraStatusSchema = Type.Object({
  type: Type.Literal('camera_status'),
  robot: Name,
  /** false while the robot's camera link to rosbridge is down */
  connected: Type.Boolean(),
  reason: Type.String(),
}, { additionalProperties: false, $id: 'takeover/CameraStatus' });

export const CAMERA_SCHEMAS = { cameras: CameraListSchema, image: CameraFrameSchema, camera_status: CameraStatusSchema } as const;
export const CameraMessageSchema = Type.Union(Object.values(CAMERA_SCHEMAS), { $id: 'takeover/CameraMessage' });
export type CameraMessage = Static<typeof CameraMessageSchema>;
export type CameraFrameMessage = Static<typeof CameraFrameSchema>;
export type CameraListMessage = Static<typeof CameraListSchema>;

import { Type, type Static } from '@sinclair/typebox';
import { TakeoverError } from '../errors.ts';

const TopicName = Type.String({ pattern: '^/?[A-Za-z~][A-Za-z0-9_/~]*$' });

/** One camera of a ROS arm: a sensor_msgs/CompressedImage topic (JPEG or PNG) through rosbridge. */
export const CameraSchema = Type.Object({
  /** the camera's name in the console, the camera socket and the journal (`/camera/<name>`) */
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$', description: "letters, digits, '_' and '-', e.g. 'wrist'" }),
  /** sensor_msgs/CompressedImage, e.g. /camera/color/image_raw/compressed */
  topic: TopicName,
  /** most frames per second sent to one viewer (default 15); a viewer may ask for fewer */
  maxRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 120 })),
  /** frames per second written into the episode's journal (default 10; 0 records none) */
  recordRate: Type.Optional(Type.Number({ minimum: 0, maximum: 120 })),
}, { additionalProperties: false });
export type CameraConfig = Static<typeof CameraSchema>;

/** A camera with its defaults filled in. */
export interface ResolvedCamera {
  name: string;
  topic: string;
  maxRate: number;
  recordRate: number;
}

export const DEFAULT_CAMERA_MAX_RATE = 15;
export const DEFAULT_CAMERA_RECORD_RATE = 10;

/** Checks a robot's cameras (names and topics unique) and fills in defaults; errors name the robot, the camera and the problem. */
export function resolveCameras(robotId: string, cameras: readonly CameraConfig[]): ResolvedCamera[] {
  const names = new Map<string, number>();
  const topics = new Map<string, string>();
  return cameras.map((c, i) => {
    const where = `robot '${robotId}': ros.cameras[${i}] ('${c.name}')`;
    if (names.has(c.name)) throw new TakeoverError('TKO_ERR_CONFIG', `${where}: camera name '${c.name}' is already ros.cameras[${names.get(c.name)}]; names must be unique`);
    names.set(c.name, i);
    const topic = c.topic.startsWith('/') ? c.topic : `/${c.topic}`;
    if (topics.has(topic)) throw new TakeoverError('TKO_ERR_CONFIG', `${where}: topic ${topic} is already camera '${topics.get(topic)}'; give each topic one camera`);
    topics.set(topic, c.name);
    return { name: c.name, topic, maxRate: c.maxRate ?? DEFAULT_CAMERA_MAX_RATE, recordRate: c.recordRate ?? DEFAULT_CAMERA_RECORD_RATE };
  });
}

/** The camera socket's limits (config `cameraLimits`; each field optional). */
export const CameraLimitsSchema = Type.Object({
  /** open camera sockets in total; more are refused at the upgrade (429) (default 64) */
  maxViewers: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  /** bytes a camera socket may have waiting in its send buffer before frames wait and newer ones replace them (default 512 KiB) */
  maxBufferedBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  /** largest image accepted from rosbridge, bytes; bigger frames are refused and counted (default 2 MiB) */
  maxFrameBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 4 * 1024 * 1024 })),
}, { additionalProperties: false });
export type CameraLimits = Required<Static<typeof CameraLimitsSchema>>;

/** The camera limits with defaults filled in. */
export function resolveCameraLimits(raw: Static<typeof CameraLimitsSchema> | undefined): CameraLimits {
  return { maxViewers: 64, maxBufferedBytes: 512 * 1024, maxFrameBytes: 2 * 1024 * 1024, ...raw };
}

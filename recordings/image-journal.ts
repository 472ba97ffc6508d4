import { COMPRESSED_IMAGE_SCHEMA } from './foxglove-schemas.ts';

/** A camera frame as the recorder takes it (server/cameras' CameraImage has these fields). */
export interface RecordedImage {
  camera: string;
  format: 'jpeg' | 'png';
  /** the source's header.stamp, s (0 when the publisher left it empty) */
  stamp: number;
  frameId: string;
  /** when the server received it, ms since the epoch: the message's log and publish time */
  receivedAt: number;
  data: Uint8Array;
}

/** A `/camera/<name>` message read back. */
export interface JournalImage {
  camera: string;
  /** publish time: when the server received the frame, ms since the epoch */
  receivedAt: number;
  /** the message's timestamp (the source stamp, or the receive time when it had none), s */
  stamp: number;
  frameId: string;
  format: string;
  data: Uint8Array;
}

export const CAMERA_TOPIC_PREFIX = '/camera/';
export const COMPRESSED_IMAGE_SCHEMA_NAME = 'foxglove.CompressedImage';
export { COMPRESSED_IMAGE_SCHEMA };

/** A camera channel's topic. */
export type CameraTopic = `/camera/${string}`;
/** The journal channel of a camera. */
export const cameraTopic = (camera: string): CameraTopic => `/camera/${camera}`;
/** Whether a journal topic is a camera channel (and which camera), else null. */
export function cameraOfTopic(topic: string): string | null {
  return topic.startsWith(CAMERA_TOPIC_PREFIX) && topic.length > CAMERA_TOPIC_PREFIX.length ? topic.slice(CAMERA_TOPIC_PREFIX.length) : null;
}

/** ms since the epoch (fractions kept to the ns) as MCAP ns: exact where `ms * 1e6` would round past 2^53. */
export function msToNs(ms: number): bigint {
  if (!(Number.isFinite(ms) && ms > 0)) return 0n;
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** A frame as a JSON `foxglove.CompressedImage` message (bytes base64). */
export function encodeImageMessage(img: RecordedImage): Uint8Array {
  const t = img.stamp > 0 ? img.stamp : img.receivedAt / 1000;
  const sec = Math.floor(t);
  const nsec = Math.min(999_999_999, Math.round((t - sec) * 1e9));
  return Buffer.from(JSON.stringify({ timestamp: { sec, nsec }, frame_id: img.frameId, data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64'), format: img.format }), 'utf8');
}

/** Reads a `/camera/<name>` message; throws naming the problem when it is not a CompressedImage. */
export function decodeImageMessage(camera: string, publishTimeNs: bigint, bytes: Uint8Array): JournalImage {
  const m = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as { timestamp?: { sec?: number; nsec?: number }; frame_id?: string; data?: string; format?: string };
  if (typeof m.data !== 'string' || typeof m.format !== 'string') throw new Error(`camera '${camera}': message is not a foxglove.CompressedImage (no data or format)`);
  return {
    camera,
    receivedAt: Number(publishTimeNs / 1000n) / 1000,
    stamp: (m.timestamp?.sec ?? 0) + (m.timestamp?.nsec ?? 0) * 1e-9,
    frameId: m.frame_id ?? '',
    format: m.format,
    data: new Uint8Array(Buffer.from(m.data, 'base64')),
  };
}

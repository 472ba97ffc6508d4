import type { ImageFormat } from '../../protocol/camera-messages.ts';

/** A sensor_msgs/CompressedImage as the camera path carries it. */
export interface DecodedImage {
  format: ImageFormat;
  /** header.stamp, s (0 when the publisher left it empty) */
  stamp: number;
  frameId: string;
  data: Uint8Array;
}

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);

const isJpeg = (d: Uint8Array) => d.byteLength >= 3 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff;
const isPng = (d: Uint8Array) => d.byteLength >= 8 && d[0] === 0x89 && d[1] === 0x50 && d[2] === 0x4e && d[3] === 0x47;

/** The file type a CompressedImage `format` names ('jpeg', 'png', or image_transport's 'rgb8; jpeg compressed bgr8'), or null. */
export function formatOf(format: string): ImageFormat | null {
  const f = format.toLowerCase();
  if (/\bjpe?g\b/.test(f)) return 'jpeg';
  if (/\bpng\b/.test(f)) return 'png';
  return null;
}

function stampOf(header: unknown): number {
  const s = isRec(header) && isRec(header.stamp) ? header.stamp : null;
  if (!s) return 0;
  // ROS 1 time is {secs, nsecs}; ROS 2 is {sec, nanosec}
  const sec = Number(s.sec ?? s.secs);
  const ns = Number(s.nanosec ?? s.nsecs ?? 0);
  return Number.isFinite(sec) && Number.isFinite(ns) ? sec + ns * 1e-9 : 0;
}

function bytesOf(data: unknown): Uint8Array | null {
  // rosbridge's JSON encodes uint8[] as base64; CBOR and some bridges give bytes or a number array
  if (typeof data === 'string') return new Uint8Array(Buffer.from(data, 'base64'));
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data) && data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return Uint8Array.from(data as number[]);
  return null;
}

/**
 * Reads a rosbridge sensor_msgs/CompressedImage: format, stamp and the file bytes, checked
 * against the file's magic bytes (a JPEG that says png, or no image at all, is refused).
 * Returns the reason as a string when the message is unusable.
 */
export function decodeCompressedImage(msg: unknown, maxBytes: number): DecodedImage | string {
  if (!isRec(msg)) return 'is not a sensor_msgs/CompressedImage object';
  const data = bytesOf(msg.data);
  if (!data || data.byteLength === 0) return 'has no image data';
  if (data.byteLength > maxBytes) return `holds ${data.byteLength} bytes, over the ${maxBytes}-byte limit of a camera frame`;
  const declared = typeof msg.format === 'string' ? formatOf(msg.format) : null;
  const sniffed: ImageFormat | null = isJpeg(data) ? 'jpeg' : isPng(data) ? 'png' : null;
  if (!sniffed) return `data is neither a JPEG nor a PNG file (format ${JSON.stringify(msg.format ?? null)})`;
  if (declared && declared !== sniffed) return `format says ${declared} but the data is a ${sniffed} file`;
  const frameId = isRec(msg.header) && typeof msg.header.frame_id === 'string' ? msg.header.frame_id : '';
  return { format: sniffed, stamp: stampOf(msg.header), frameId, data };
}

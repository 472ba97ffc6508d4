import type { ImageFormat } from '../../protocol/camera-messages.ts';

/** One camera frame as the server holds it: decoded once, shared by every viewer and the recorder (never mutated). */
export interface CameraImage {
  robot: string;
  camera: string;
  format: ImageFormat;
  /** the source's header.stamp, s (robot clock; 0 when empty) */
  stamp: number;
  frameId: string;
  /** when the server received it, ms since the epoch */
  receivedAt: number;
  /** frames received from this camera before it */
  seq: number;
  data: Uint8Array;
}

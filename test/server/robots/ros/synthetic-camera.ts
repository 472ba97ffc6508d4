import { encode } from 'jpeg-js';
import type { RosbridgeTestServer } from './rosbridge-test-server.ts';

/**
 * TEST DOUBLE: JPEG frames of a moving pattern (a gradient, a bright square that moves one step a
 * frame, a stripe coding the frame index), encoded with jpeg-js. `frame % period` picks the
 * pattern, so frames are pre-encoded once per period and cycled (encoding is slow in JS).
 */
export class SyntheticCamera {
  readonly width: number;
  readonly height: number;
  readonly period: number;
  #frames: Uint8Array[] = [];

  /** `noise`: amplitude of a fixed pixel texture (0: smooth; a camera-like 640x480 JPEG needs about 20) */
  constructor({ width = 160, height = 120, period = 12, quality = 80, noise = 0 } = {}) {
    this.width = width;
    this.height = height;
    this.period = period;
    for (let i = 0; i < period; i++) this.#frames.push(new Uint8Array(encode({ width, height, data: pattern(width, height, i, period, noise) }, quality).data));
  }

  /** The JPEG file of frame `i` (cycles every `period` frames). */
  jpeg(i: number): Uint8Array {
    return this.#frames[i % this.period];
  }

  /** Where frame `i`'s bright square starts, px from the left (what a test reads back from a decoded frame). */
  squareX(i: number): number {
    return squareX(this.width, i % this.period, this.period);
  }
}

const squareX = (w: number, i: number, period: number) => Math.round(((w - w / 4) * i) / Math.max(1, period - 1));

function pattern(w: number, h: number, i: number, period: number, noise: number): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  let seed = 12345;
  const grain = () => (noise ? ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) * noise / 255 : 0);
  const side = Math.round(w / 4);
  const sx = squareX(w, i, period);
  const sy = Math.round((h - side) / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const inSquare = x >= sx && x < sx + side && y >= sy && y < sy + side;
      const g = grain();
      rgba[o] = inSquare ? 255 : Math.round((x / w) * 90 + g);
      rgba[o + 1] = inSquare ? 255 : Math.round((y / h) * 90 + g);
      rgba[o + 2] = inSquare ? 255 : Math.round(60 + g);
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

/** Publishes a SyntheticCamera's frames on a CompressedImage topic of the double at `rateHz` until stopped. */
export function publishCamera(server: RosbridgeTestServer, topic: string, cam: SyntheticCamera, rateHz: number): { stop(): void; readonly published: number } {
  let i = 0;
  const timer = setInterval(() => server.publishImage(topic, { frame: 'camera_optical', data: cam.jpeg(i++) }), 1000 / rateHz);
  return { stop: () => clearInterval(timer), get published() { return i; } };
}

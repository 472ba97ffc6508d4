import { RosbridgeClient } from '../robots/ros/rosbridge-client.ts';
import type { RosLogger } from '../robots/ros/ros-logger.ts';
import type { TransportFactory } from '../robots/ros/roslib-module.ts';
import type { ResolvedCamera } from './camera-config.ts';
import type { CameraImage } from './camera-image.ts';
import { decodeCompressedImage } from './compressed-image-decoder.ts';

/** A robot's image streams as the camera hub sees them. */
export interface CameraSource {
  readonly robot: string;
  readonly cameras: readonly ResolvedCamera[];
  /** frames refused (not an image, too big, format and bytes disagree) */
  readonly rejected: number;
  /** whether the link to the images is up, and if not why */
  link(): { connected: boolean; reason: string };
  start(onImage: (img: CameraImage) => void, onLink: () => void): void;
  stop(): void;
}

export interface RosCameraSourceOptions {
  url: string;
  log: RosLogger;
  /** largest image accepted, bytes */
  maxFrameBytes: number;
  transportFactory?: TransportFactory;
  reconnect?: { initialDelay: number; maxDelay: number; factor: number };
}

/**
 * A ROS arm's cameras: sensor_msgs/CompressedImage subscriptions on a rosbridge connection of
 * their own, opened on the network thread. The control thread's connection never carries an
 * image, so image bytes can neither delay joint states nor wake the control loops. Each topic is
 * throttled at rosbridge to the fastest rate anyone here uses (viewers or the recorder).
 */
export class RosCameraSource implements CameraSource {
  readonly robot: string;
  readonly cameras: readonly ResolvedCamera[];
  rejected = 0;
  #o: RosCameraSourceOptions;
  #client: RosbridgeClient | null = null;
  #seq = new Map<string, number>();

  constructor(robot: string, cameras: readonly ResolvedCamera[], o: RosCameraSourceOptions) {
    this.robot = robot;
    this.cameras = cameras;
    this.#o = o;
  }

  link(): { connected: boolean; reason: string } {
    const s = this.#client?.state ?? 'idle';
    if (s === 'open') return { connected: true, reason: '' };
    return { connected: false, reason: s === 'reconnecting' ? 'camera link to rosbridge lost; reconnecting' : `camera link to rosbridge ${s}` };
  }

  start(onImage: (img: CameraImage) => void, onLink: () => void): void {
    if (this.#client) return;
    const client = new RosbridgeClient({ url: this.#o.url, log: this.#o.log, transportFactory: this.#o.transportFactory, backoff: this.#o.reconnect });
    this.#client = client;
    client.onState(() => onLink());
    for (const cam of this.cameras) {
      const fastest = Math.max(cam.maxRate, cam.recordRate);
      client.subscribe(cam.topic, 'sensor_msgs/CompressedImage', (msg) => this.#onMessage(cam, msg, onImage), 1, Math.floor(1000 / fastest));
    }
    // reconnection is the client's job; a first failure is logged there and retried
    client.open().catch(() => {});
  }

  stop(): void {
    this.#client?.close();
    this.#client = null;
  }

  #onMessage(cam: ResolvedCamera, msg: unknown, onImage: (img: CameraImage) => void): void {
    const receivedAt = Date.now();
    const d = decodeCompressedImage(msg, this.#o.maxFrameBytes);
    if (typeof d === 'string') {
      this.rejected++;
      if (this.rejected <= 10 || this.rejected % 1000 === 0) this.#o.log.warn(`robot '${this.robot}': camera '${cam.name}' (${cam.topic}) frame rejected: ${d} (${this.rejected} so far)`);
      return;
    }
    const seq = this.#seq.get(cam.name) ?? 0;
    this.#seq.set(cam.name, seq + 1);
    onImage({ robot: this.robot, camera: cam.name, format: d.format, stamp: d.stamp, frameId: d.frameId, receivedAt, seq, data: d.data });
  }
}

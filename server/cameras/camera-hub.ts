import type { CameraInfo } from '../../protocol/camera-messages.ts';
import type { CameraImage } from './camera-image.ts';
import type { CameraSource } from './ros-camera-source.ts';
import { CameraViewer, type ViewerSocket } from './camera-viewer.ts';

/** Where recorded frames go (recordings/recorder.ts's appendImage): must return at once. */
export interface ImageSink {
  appendImage(robotId: string, img: CameraImage): void;
}

/** Per-camera figures (GET /api/cameras). */
export interface CameraStats {
  robot: string;
  camera: string;
  topic: string;
  received: number;
  recorded: number;
  /** age of the newest frame at the server, ms (null before the first) */
  lastAgeMs: number | null;
}

/**
 * Every robot's cameras on the network thread: the newest frame per camera, the camera sockets
 * watching each robot, and the journal feed at each camera's record rate. A frame is offered to
 * each viewer (newest-wins, rate-capped per viewer, camera-viewer.ts) and, when its camera's
 * record interval has passed, to the recorder, whose append only queues.
 */
export class CameraHub {
  #sources = new Map<string, CameraSource>();
  #viewers = new Set<CameraViewer>();
  #latest = new Map<string, CameraImage>();
  #counts = new Map<string, { received: number; recorded: number; lastRecordedAt: number }>();
  #sink: ImageSink | null;
  #droppedGone = 0;
  #sentGone = 0;

  constructor(sources: readonly CameraSource[], sink: ImageSink | null) {
    for (const s of sources) this.#sources.set(s.robot, s);
    this.#sink = sink;
  }

  /** Robots that have cameras. */
  get robots(): string[] {
    return [...this.#sources.keys()];
  }

  /** The cameras of a robot (empty for a robot without any). */
  cameras(robot: string): CameraInfo[] {
    return (this.#sources.get(robot)?.cameras ?? []).map((c) => ({ name: c.name, maxRate: c.maxRate, recordRate: c.recordRate }));
  }

  start(): void {
    for (const s of this.#sources.values()) s.start((img) => this.accept(img), () => this.#linkChanged(s));
  }

  stop(): void {
    for (const s of this.#sources.values()) s.stop();
    for (const v of this.#viewers) v.close();
    this.#viewers.clear();
  }

  /**
   * Opens a viewer of `robot`'s cameras (all, or those named) at the cameras' rates, or lower if
   * `maxRate` asks; it gets the camera list, the link status and the newest frame of each at once.
   */
  addViewer(robot: string, socket: ViewerSocket, o: { cameras?: readonly string[]; maxRate?: number; maxBufferedBytes: number }): CameraViewer {
    const cams = this.cameras(robot).filter((c) => !o.cameras || o.cameras.includes(c.name));
    const rates = new Map(cams.map((c) => [c.name, Math.min(c.maxRate, o.maxRate ?? Infinity)]));
    const v = new CameraViewer(robot, socket, rates, o.maxBufferedBytes);
    this.#viewers.add(v);
    v.sendMessage({ type: 'cameras', robot, cameras: cams.map((c) => ({ ...c, maxRate: rates.get(c.name)! })) });
    const link = this.#sources.get(robot)!.link();
    v.sendMessage({ type: 'camera_status', robot, ...link });
    for (const c of cams) {
      const img = this.#latest.get(`${robot}/${c.name}`);
      if (img) v.offer(img);
    }
    return v;
  }

  /** Forgets a closed viewer; its counts stay in the totals. */
  removeViewer(v: CameraViewer): void {
    if (!this.#viewers.delete(v)) return;
    this.#droppedGone += v.dropped;
    this.#sentGone += v.sent;
    v.close();
  }

  /** A new frame from a source: newest for its camera, offered to its viewers and, at the record rate, to the recorder. */
  accept(img: CameraImage): void {
    const key = `${img.robot}/${img.camera}`;
    this.#latest.set(key, img);
    const n = this.#counts.get(key) ?? { received: 0, recorded: 0, lastRecordedAt: -Infinity };
    this.#counts.set(key, n);
    n.received++;
    const now = performance.now();
    for (const v of this.#viewers) if (v.robot === img.robot && v.wants(img.camera)) v.offer(img, now);
    const cam = this.#sources.get(img.robot)?.cameras.find((c) => c.name === img.camera);
    // a frame a little early still counts: a 10 Hz cap on a 30 Hz camera records every third frame, not every fourth
    if (this.#sink && cam && cam.recordRate > 0 && now - n.lastRecordedAt >= 900 / cam.recordRate) {
      n.lastRecordedAt = now;
      n.recorded++;
      this.#sink.appendImage(img.robot, img);
    }
  }

  /** Figures per camera, and the viewers' totals. */
  stats(): { cameras: CameraStats[]; viewers: number; sent: number; dropped: number; rejected: number } {
    const cameras: CameraStats[] = [];
    let rejected = 0;
    for (const s of this.#sources.values()) {
      rejected += s.rejected;
      for (const c of s.cameras) {
        const key = `${s.robot}/${c.name}`;
        const n = this.#counts.get(key);
        const last = this.#latest.get(key);
        cameras.push({ robot: s.robot, camera: c.name, topic: c.topic, received: n?.received ?? 0, recorded: n?.recorded ?? 0, lastAgeMs: last ? Date.now() - last.receivedAt : null });
      }
    }
    let sent = this.#sentGone;
    let dropped = this.#droppedGone;
    for (const v of this.#viewers) {
      sent += v.sent;
      dropped += v.dropped;
    }
    return { cameras, viewers: this.#viewers.size, sent, dropped, rejected };
  }

  #linkChanged(s: CameraSource): void {
    const link = s.link();
    for (const v of this.#viewers) if (v.robot === s.robot) v.sendMessage({ type: 'camera_status', robot: s.robot, ...link });
  }
}

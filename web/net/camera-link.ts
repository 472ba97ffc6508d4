import { decodeCameraMessage } from '../../protocol/camera-codec.ts';
import type { CameraFrameMessage, CameraInfo } from '../../protocol/camera-messages.ts';

/** A camera frame as the console holds it, with its arrival time on this browser's clock. */
export interface LiveCameraFrame extends CameraFrameMessage {
  /** Date.now() when it arrived */
  arrivedAt: number;
}

/** The cameras of a robot, from GET /api/cameras (empty when it has none or the server says no). */
export async function robotCameras(token: string, robotId: string): Promise<string[]> {
  try {
    const res = await fetch('/api/cameras', { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return [];
    const body = (await res.json()) as { cameras: Array<{ robot: string; camera: string }> };
    return body.cameras.filter((c) => c.robot === robotId).map((c) => c.camera);
  } catch {
    return [];
  }
}

/**
 * The camera socket of one robot (GET /ws/cameras): a WebSocket of its own beside the protocol
 * socket, so image bytes never queue in front of state frames. Reconnects after a drop (1 s, then
 * up to 5 s). It estimates the server clock's offset from the frames (the smallest arrival minus
 * sentAt seen), so a frame's age can be told on this browser's clock.
 */
export class CameraLink {
  onFrame: ((f: LiveCameraFrame) => void) | null = null;
  onCameras: ((cameras: CameraInfo[]) => void) | null = null;
  onStatus: ((connected: boolean, reason: string) => void) | null = null;
  /** this browser's clock minus the server's, ms (plus the smallest one-way delay seen) */
  offsetMs: number | null = null;
  #ws: WebSocket | null = null;
  #url: string;
  #closed = false;
  #retryMs = 1000;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(token: string, robotId: string, { maxRate, base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}` }: { maxRate?: number; base?: string } = {}) {
    const q = new URLSearchParams({ robot: robotId, token });
    if (maxRate !== undefined) q.set('maxRate', String(maxRate));
    this.#url = `${base}/ws/cameras?${q}`;
    this.#open();
  }

  /** The age of a frame now: when the server received it, on this browser's clock, ms. */
  ageMs(f: LiveCameraFrame, now = Date.now()): number {
    return Math.max(0, now - (this.offsetMs ?? 0) - f.receivedAt);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#ws?.close(1000, 'console closed the camera view');
  }

  #open(): void {
    const ws = new WebSocket(this.#url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => (this.#retryMs = 1000);
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      const d = decodeCameraMessage(new Uint8Array(e.data));
      if (!d.ok) return;
      const m = d.msg;
      if (m.type === 'cameras') this.onCameras?.(m.cameras);
      else if (m.type === 'camera_status') this.onStatus?.(m.connected, m.reason);
      else {
        const arrivedAt = Date.now();
        const off = arrivedAt - m.sentAt;
        this.offsetMs = this.offsetMs === null ? off : Math.min(this.offsetMs, off);
        this.onFrame?.({ ...m, arrivedAt });
      }
    };
    ws.onclose = () => {
      if (this.#closed) return;
      this.onStatus?.(false, 'camera socket closed; reconnecting');
      this.#timer = setTimeout(() => this.#open(), this.#retryMs);
      this.#retryMs = Math.min(5000, this.#retryMs * 2);
    };
  }
}

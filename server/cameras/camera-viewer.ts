import { encodeCameraMessage } from '../../protocol/camera-codec.ts';
import type { CameraMessage } from '../../protocol/camera-messages.ts';
import type { CameraImage } from './camera-image.ts';

/** The part of a `ws` socket a viewer writes to. */
export interface ViewerSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
}

const OPEN = 1;
/** how soon a viewer whose socket is backed up looks again, ms */
const BACKED_UP_RETRY_MS = 20;

/**
 * Send credit a camera may hold, in frames: a stream at exactly the cap whose frames come early or
 * late by up to an interval leaves at once (no frame waits for the cap), while over any stretch a
 * viewer gets at most one frame more than the cap allows.
 */
const RATE_BURST = 2;

interface Slot {
  /** frames per ms */
  rate: number;
  /** send credit (a token bucket of RATE_BURST), and when it was last topped up */
  tokens: number;
  refilledAt: number;
  pending: CameraImage | null;
  dropped: number;
  sent: number;
}

/**
 * One camera socket: per camera a slot that holds at most the newest frame not yet sent. A frame
 * leaves when the camera's rate cap allows (a token bucket: on average at most the rate, two
 * frames back to back at most) and the socket has less than `maxBufferedBytes`
 * waiting; a newer frame replaces a waiting one (the older is dropped and counted). So a slow
 * viewer costs the server at most one frame per camera plus its socket buffer, and never delays
 * anything else on the thread.
 */
export class CameraViewer {
  readonly robot: string;
  #socket: ViewerSocket;
  #slots = new Map<string, Slot>();
  #maxBuffered: number;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #closed = false;

  constructor(robot: string, socket: ViewerSocket, rates: ReadonlyMap<string, number>, maxBufferedBytes: number) {
    this.robot = robot;
    this.#socket = socket;
    this.#maxBuffered = maxBufferedBytes;
    for (const [camera, rate] of rates) this.#slots.set(camera, { rate: rate / 1000, tokens: RATE_BURST, refilledAt: performance.now(), pending: null, dropped: 0, sent: 0 });
  }

  /** Whether this viewer streams `camera`. */
  wants(camera: string): boolean {
    return this.#slots.has(camera);
  }

  /** Frames dropped for this viewer (replaced before they could leave), all cameras. */
  get dropped(): number {
    let n = 0;
    for (const s of this.#slots.values()) n += s.dropped;
    return n;
  }

  /** Frames sent to this viewer, all cameras. */
  get sent(): number {
    let n = 0;
    for (const s of this.#slots.values()) n += s.sent;
    return n;
  }

  /** Sends a control message (the camera list, a link status) at once. */
  sendMessage(msg: CameraMessage): void {
    if (!this.#closed && this.#socket.readyState === OPEN) this.#socket.send(encodeCameraMessage(msg));
  }

  /** Offers a new frame: it replaces any frame of its camera still waiting, and leaves as soon as allowed. */
  offer(img: CameraImage, now = performance.now()): void {
    const slot = this.#slots.get(img.camera);
    if (!slot || this.#closed) return;
    if (slot.pending) slot.dropped++;
    slot.pending = img;
    this.#pump(now);
  }

  /** Stops for good: waiting frames are released, no timer is left. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const s of this.#slots.values()) s.pending = null;
  }

  #pump(now: number): void {
    if (this.#closed || this.#socket.readyState !== OPEN) return;
    let next = Infinity;
    for (const [camera, slot] of this.#slots) {
      if (!slot.pending) continue;
      slot.tokens = Math.min(RATE_BURST, slot.tokens + Math.max(0, now - slot.refilledAt) * slot.rate);
      slot.refilledAt = now;
      if (slot.tokens < 1) {
        next = Math.min(next, now + (1 - slot.tokens) / slot.rate);
        continue;
      }
      if (this.#socket.bufferedAmount > this.#maxBuffered) {
        next = Math.min(next, now + BACKED_UP_RETRY_MS);
        continue;
      }
      const img = slot.pending;
      slot.pending = null;
      slot.tokens -= 1;
      slot.sent++;
      this.#socket.send(encodeCameraMessage({
        type: 'image', robot: img.robot, camera, format: img.format, seq: img.seq, stamp: img.stamp,
        receivedAt: img.receivedAt, sentAt: Date.now(), dropped: slot.dropped, data: img.data,
      }));
    }
    if (next < this.#timerAt) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timerAt = next;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#timerAt = Infinity;
        this.#pump(performance.now());
      }, Math.max(1, next - now));
      this.#timer.unref?.();
    }
  }
}

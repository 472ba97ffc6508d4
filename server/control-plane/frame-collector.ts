import { encodeMessage } from '../../protocol/codec.ts';
import type { RobotRuntime } from '../robots/fleet.ts';
import { buildStateFrame } from './state-frame.ts';

/** One robot's encoded state frame. */
export interface EncodedFrame {
  robot: string;
  bytes: Uint8Array;
}

/**
 * Builds the state frames of the loops that ticked, on the loops' thread but never inside a tick:
 * a tick only marks its robot dirty; frames are built and encoded once per robot in a setImmediate
 * after the tick (with `coalesceMs`, after the first tick at least that long since the last flush,
 * so that the frames of several robots leave together) and handed to `emit`.
 */
export class FrameCollector {
  readonly coalesceMs: number;
  #dirty = new Set<RobotRuntime>();
  #pending: NodeJS.Immediate | null = null;
  #fallback: NodeJS.Timeout | null = null;
  #lastFlush = -Infinity;
  #emit: (frames: EncodedFrame[]) => void;
  #wallNow: () => number;
  #watched: (robot: string) => boolean;
  framesBuilt = 0;
  flushes = 0;

  #onWork: (seconds: number, what: string) => void;

  constructor(o: { emit: (frames: EncodedFrame[]) => void; coalesceMs?: number; wallNow?: () => number; watched?: (robot: string) => boolean; onWork?: (seconds: number, what: string) => void }) {
    this.#emit = o.emit;
    this.#onWork = o.onWork ?? (() => {});
    this.coalesceMs = o.coalesceMs ?? 0;
    this.#wallNow = o.wallNow ?? Date.now;
    this.#watched = o.watched ?? (() => true);
  }

  /** Hooks a robot's loop: its ticks (and the restored state of a sim rewind) produce frames. */
  attach(r: RobotRuntime): void {
    r.loop.on('tick', () => {
      this.#dirty.add(r);
      if (this.#pending) return;
      // Flush right after a tick (never at a random moment that could fall on another robot's
      // due time); with coalescing, only after the tick that closes the window. The fallback
      // timer only matters when ticks stop.
      if (performance.now() - this.#lastFlush >= this.coalesceMs) this.#pending = setImmediate(() => this.flush());
      else this.#fallback ??= setTimeout(() => this.flush(), 2 * this.coalesceMs);
    });
    r.loop.on('event', (e) => {
      // a sim rewind changes the state between ticks: show the restored state now, after the event
      if (e.type !== 'rewind') return;
      this.#dirty.add(r);
      this.#pending ??= setImmediate(() => this.flush());
    });
  }

  /** Builds and emits the latest frame of every watched robot that ticked since the last flush. */
  flush(): void {
    this.#pending = null;
    if (this.#fallback) clearTimeout(this.#fallback);
    this.#fallback = null;
    if (this.#dirty.size === 0) return;
    const t0 = performance.now();
    this.#lastFlush = t0;
    this.flushes++;
    const wall = this.#wallNow();
    const frames: EncodedFrame[] = [];
    for (const r of this.#dirty) {
      if (!this.#watched(r.id)) continue;
      frames.push({ robot: r.id, bytes: encodeMessage(buildStateFrame(r, wall)) });
      this.framesBuilt++;
    }
    this.#dirty.clear();
    if (frames.length) this.#emit(frames);
    this.#onWork((performance.now() - t0) / 1000, 'frames');
  }

  close(): void {
    if (this.#pending) clearImmediate(this.#pending);
    if (this.#fallback) clearTimeout(this.#fallback);
    this.#pending = null;
    this.#fallback = null;
  }
}

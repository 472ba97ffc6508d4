import { encodeMessage } from '../../protocol/codec.ts';
import type { RobotRuntime } from '../robots/fleet.ts';
import type { LoopEvent } from '../control/control-loop.ts';
import type { ClientSession } from './client-session.ts';
import { buildStateFrame } from './state-frame.ts';

/**
 * Fan-out of state frames and events to subscribed clients. A tick only marks its robot dirty;
 * frames are built, encoded once per robot and offered to each client in a setImmediate after
 * the tick (with `coalesceMs`, after the first tick at least that long since the last flush, so
 * that the frames of several robots leave in one write per client), so neither the number of
 * viewers nor a stalled one lengthens a control tick.
 */
export class Broadcaster {
  readonly sessions = new Set<ClientSession>();
  readonly coalesceMs: number;
  #dirty = new Set<RobotRuntime>();
  #pending: NodeJS.Immediate | null = null;
  #fallback: NodeJS.Timeout | null = null;
  #lastFlush = -Infinity;
  #wallNow: () => number;
  framesBuilt = 0;
  flushes = 0;

  constructor({ wallNow = Date.now, coalesceMs = 0 }: { wallNow?: () => number; coalesceMs?: number } = {}) {
    this.#wallNow = wallNow;
    this.coalesceMs = coalesceMs;
  }

  /** Hooks a robot's loop: its ticks and events reach subscribers. */
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
    r.loop.on('event', (e: LoopEvent) => {
      this.#event(e);
      // a sim rewind changes the state between ticks: show the restored state now, after the event
      if (e.type === 'rewind') {
        this.#dirty.add(r);
        this.#pending ??= setImmediate(() => this.flush());
      }
    });
  }

  /** Sends the latest frame of every robot that ticked since the last flush. */
  flush(): void {
    this.#pending = null;
    if (this.#fallback) clearTimeout(this.#fallback);
    this.#fallback = null;
    if (this.#dirty.size === 0) return;
    const now = performance.now();
    this.#lastFlush = now;
    this.flushes++;
    const wall = this.#wallNow();
    const frames: Array<{ id: string; bytes: Uint8Array }> = [];
    for (const r of this.#dirty) {
      let watched = false;
      for (const s of this.sessions) if (s.subs.has(r.id)) { watched = true; break; }
      if (!watched) continue;
      frames.push({ id: r.id, bytes: encodeMessage(buildStateFrame(r, wall)) });
      this.framesBuilt++;
    }
    this.#dirty.clear();
    if (frames.length === 0) return;
    for (const s of this.sessions) {
      // several frames for one client leave in one write (ws writes each message on its own)
      const sock = frames.length > 1 ? (s.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket : undefined;
      sock?.cork();
      for (const f of frames) s.offer(f.id, f.bytes, now);
      sock?.uncork();
    }
  }

  #event(e: LoopEvent): void {
    const { type, robot, ...data } = e;
    for (const s of this.sessions) {
      if (s.subs.has(robot)) s.send({ type: 'event', robot, event: type, data });
    }
  }

  /** Frames dropped for slow clients, summed over connected clients. */
  get dropped(): number {
    let n = 0;
    for (const s of this.sessions) n += s.dropped;
    return n;
  }

  close(): void {
    if (this.#pending) clearImmediate(this.#pending);
    if (this.#fallback) clearTimeout(this.#fallback);
    this.#pending = null;
    this.#fallback = null;
  }
}

import type { LoopEvent } from '../control/control-loop-options.ts';
import type { EncodedFrame } from '../control-plane/frame-collector.ts';
import type { ClientSession } from './client-session.ts';
import type { AttentionItem } from '../../protocol/messages.ts';

/**
 * Fan-out of state frames and events to subscribed clients, on the network thread. Frames arrive
 * built and encoded (server/control-plane/frame-collector.ts); each session sends a frame unless
 * its rate says not yet or its socket is backed up (latest-wins: the frame is dropped and counted),
 * so neither the number of viewers nor a stalled one reaches the control loops.
 */
export class Broadcaster {
  readonly sessions = new Set<ClientSession>();
  /** frames dropped for sessions that have closed */
  #droppedGone = 0;

  /** whether any session watches this robot (frames of unwatched robots need not be built) */
  watched(robot: string): boolean {
    for (const s of this.sessions) if (s.subs.has(robot)) return true;
    return false;
  }

  /** Offers a flush's frames to every session; several frames for one client leave in one write. */
  fanOut(frames: readonly EncodedFrame[]): void {
    if (frames.length === 0) return;
    const now = performance.now();
    for (const s of this.sessions) {
      // ws writes each message on its own: cork so that several robots' frames share one write
      const sock = frames.length > 1 ? (s.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket : undefined;
      sock?.cork();
      for (const f of frames) s.offer(f.robot, f.bytes, now);
      sock?.uncork();
    }
  }

  /** Sends a loop event to the sessions subscribed to its robot. */
  event(e: LoopEvent): void {
    const { type, robot, ...data } = e;
    for (const s of this.sessions) {
      if (s.subs.has(robot)) s.send({ type: 'event', robot, event: type, data });
    }
  }

  /** Sends the attention queue to every signed-in session (any role: watching is what it is for). */
  attention(items: AttentionItem[], at: number): void {
    for (const s of this.sessions) if (s.protocol !== null) s.send({ type: 'attention', items, at });
  }

  /** Whether `operatorId` has a signed-in session open. */
  signedIn(operatorId: string): boolean {
    for (const s of this.sessions) if (s.open && s.protocol !== null && s.principal?.name === operatorId) return true;
    return false;
  }

  /** Forgets a closed session; its dropped frames stay counted. */
  remove(s: ClientSession): void {
    if (this.sessions.delete(s)) this.#droppedGone += s.dropped;
  }

  /** Frames dropped for slow clients since the start, closed connections included (never falls back). */
  get dropped(): number {
    let n = this.#droppedGone;
    for (const s of this.sessions) n += s.dropped;
    return n;
  }
}

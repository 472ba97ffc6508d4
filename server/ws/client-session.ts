import type { WebSocket } from 'ws';
import type { Principal } from '../auth/token-store.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import type { ServerMessage } from '../../protocol/messages.ts';

interface Subscription {
  /** ms between frames at most this client asked for */
  minIntervalMs: number;
  lastSentMs: number;
}

/**
 * One WebSocket client: who it is, what it watches, and its frame accounting. State frames are
 * latest-wins: while the socket's send buffer is over `maxBufferBytes`, new frames are dropped
 * (and counted) instead of queued, so the next frame sent is the newest one and a stalled client
 * costs the server nothing but the check.
 */
export class ClientSession {
  readonly id: string;
  readonly socket: WebSocket;
  readonly maxBufferBytes: number;
  principal: Principal | null;
  protocol: number | null = null;
  readonly subs = new Map<string, Subscription>();
  sent = 0;
  dropped = 0;
  errors = 0;

  constructor(id: string, socket: WebSocket, principal: Principal | null, maxBufferBytes: number) {
    this.id = id;
    this.socket = socket;
    this.principal = principal;
    this.maxBufferBytes = maxBufferBytes;
  }

  get open(): boolean {
    return this.socket.readyState === 1;
  }

  /** Sends a control message (ack, error, info, event): small, never dropped while the socket is open. */
  send(msg: ServerMessage): void {
    if (this.open) this.socket.send(encodeMessage(msg), { binary: true });
  }

  subscribe(robotId: string, maxRate: number | undefined): void {
    const minIntervalMs = maxRate ? 1000 / maxRate : 0;
    this.subs.set(robotId, { minIntervalMs, lastSentMs: -Infinity });
  }

  /** Offers an encoded state frame of a robot; sends it, skips it (rate), or drops it (backlog). */
  offer(robotId: string, frame: Uint8Array, nowMs: number): void {
    const s = this.subs.get(robotId);
    if (!s || !this.open) return;
    // 0.5 ms slack so that a client asking for the loop's own rate gets every frame despite jitter
    if (nowMs - s.lastSentMs < s.minIntervalMs - 0.5) return;
    if (this.socket.bufferedAmount > this.maxBufferBytes) {
      this.dropped++;
      return;
    }
    this.socket.send(frame, { binary: true });
    s.lastSentMs = nowMs;
    this.sent++;
  }
}

import type { WebSocket } from 'ws';
import type { Principal } from '../auth/token-store.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import { CLOSE_CODES } from '../../protocol/error-codes.ts';
import type { ServerMessage } from '../../protocol/messages.ts';
import { closeSocket } from './close-socket.ts';

interface Subscription {
  /** ms between frames at most this client asked for */
  minIntervalMs: number;
  lastSentMs: number;
}

/** Bounds on what a session owes a client that does not read (docs/configuration.md). */
export interface SessionLimits {
  /** replies owed past this many bytes (queued plus dropped) close the client as a slow consumer */
  maxQueuedBytes: number;
  /** a close the client does not complete within this is cut */
  closeTimeoutMs: number;
}

/**
 * One WebSocket client: who it is, what it watches, and its frame accounting. State frames are
 * latest-wins: while the socket's send buffer is over `maxBufferBytes`, new frames are dropped
 * (and counted) instead of queued, so the next frame sent is the newest one and a stalled client
 * costs the server nothing but the check. Replies are bounded too: over `maxBufferBytes` error
 * frames are dropped, and a client owed more than `maxQueuedBytes` is closed (4005).
 */
export class ClientSession {
  readonly id: string;
  readonly socket: WebSocket;
  readonly maxBufferBytes: number;
  principal: Principal | null;
  protocol: number | null = null;
  readonly subs = new Map<string, Subscription>();
  readonly limits: SessionLimits;
  sent = 0;
  dropped = 0;
  errors = 0;
  /** error frames dropped because the client was not reading */
  repliesDropped = 0;
  /** the close code the server closed this client with, null while open or closed by the client */
  closedWith: number | null = null;
  /** bytes of replies dropped since the send buffer was last under maxBufferBytes */
  #owed = 0;

  constructor(id: string, socket: WebSocket, principal: Principal | null, maxBufferBytes: number, limits: SessionLimits = { maxQueuedBytes: Infinity, closeTimeoutMs: 1000 }) {
    this.id = id;
    this.socket = socket;
    this.principal = principal;
    this.maxBufferBytes = maxBufferBytes;
    this.limits = limits;
  }

  get open(): boolean {
    return this.socket.readyState === 1;
  }

  /**
   * Sends a control message (ack, error, info, event). A client that does not read must not make
   * the server queue without bound: error frames are dropped (counted) while the send buffer is
   * over maxBufferBytes, and once the queued plus dropped replies pass maxQueuedBytes the client is
   * closed as a slow consumer. Acks and events are only ever lost with the connection.
   */
  send(msg: ServerMessage): void {
    if (!this.open) return;
    const queued = this.socket.bufferedAmount;
    if (queued <= this.maxBufferBytes) this.#owed = 0;
    const bytes = encodeMessage(msg);
    if (queued + this.#owed + bytes.byteLength > this.limits.maxQueuedBytes) {
      this.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer: replies not read');
      return;
    }
    if (msg.type === 'error' && queued > this.maxBufferBytes) {
      this.repliesDropped++;
      this.#owed += bytes.byteLength;
      return;
    }
    this.socket.send(bytes, { binary: true });
  }

  /**
   * Closes with `code` and destroys the socket if the client does not complete the close within
   * closeTimeoutMs. `stopReading` (for abusers) leaves whatever else the client sends unread.
   */
  close(code: number, reason: string, stopReading = true): void {
    if (!this.open) return;
    this.closedWith = code;
    if (stopReading) this.socket.pause();
    closeSocket(this.socket, this.limits.closeTimeoutMs, code, reason);
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

import { decodeServerMessage, encodeMessage } from '../../protocol/codec.ts';
import {
  PROTOCOL_VERSION,
  type ClientMessage,
  type ErrorMessage,
  type RobotCommandMessage,
  type ServerInfoMessage,
  type StateMessage,
} from '../../protocol/messages.ts';
import { unpackRobotModels, type FleetInfo } from '../../protocol/fleet-models.ts';
import type { Static } from '@sinclair/typebox';
import type { AckSchema, AttentionSchema, EventSchema } from '../../protocol/messages.ts';
import { Emitter } from './emitter.ts';
import type { Transport, TransportFactory } from './transport.ts';
import { wsTransportFactory } from './ws-transport.ts';
import { SafetyLink, safetyUrl } from './safety-link.ts';

export type AckMessage = Static<typeof AckSchema>;
export type EventMessage = Static<typeof EventSchema>;
export type AttentionMessage = Static<typeof AttentionSchema>;

/** A command the server refused: carries the protocol's error code. */
export class CommandError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface TakeoverClientEvents extends Record<string, unknown> {
  state: StateMessage;
  event: EventMessage;
  /** error frames not tied to a pending command */
  error: ErrorMessage;
  close: { code: number; reason: string };
  /** heartbeat round trip, ms */
  latency: number;
  /** the server's attention queue, whenever it changes */
  attention: AttentionMessage;
}

export interface TakeoverClientOptions {
  transportFactory?: TransportFactory;
  /** a command without ack or error by then rejects locally (roslibjs only forwards timeouts) */
  commandTimeoutMs?: number;
  /** 0 disables the automatic heartbeat (tests drive `heartbeat()` themselves) */
  heartbeatIntervalMs?: number;
  now?: () => number;
}

/** Distributes a robot command type over the union, minus the correlation id the client adds. */
type CommandWithoutRef = RobotCommandMessage extends infer M ? (M extends { ref?: number } ? Omit<M, 'ref'> : never) : never;

interface Pending {
  resolve: (a: AckMessage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The console's side of docs/protocol.md: hello -> server_info, subscriptions, commands with
 * correlation ids and a local timeout, teleop frames (dropped, never queued, while disconnected),
 * heartbeats with the measured round trip.
 */
export class TakeoverClient extends Emitter<TakeoverClientEvents> {
  /** server_info with each robot's model inline again */
  info: FleetInfo | null = null;
  /** last heartbeat round trip, ms (NaN until measured) */
  latencyMs = Number.NaN;
  /** `now()` when the last frame of any kind arrived from the server (NaN before the first) */
  lastMessageAt = Number.NaN;
  /** the heartbeat period in use, ms (0 = none) */
  heartbeatEveryMs = 0;
  readonly #factory: TransportFactory;
  readonly #timeoutMs: number;
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  #transport: Transport | null = null;
  #nextRef = 1;
  readonly #pending = new Map<number, Pending>();
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #safety: SafetyLink | null = null;

  constructor({ transportFactory = wsTransportFactory, commandTimeoutMs = 3000, heartbeatIntervalMs = -1, now = () => performance.now() }: TakeoverClientOptions = {}) {
    super();
    this.#factory = transportFactory;
    this.#timeoutMs = commandTimeoutMs;
    this.#heartbeatMs = heartbeatIntervalMs;
    this.#now = now;
  }

  get isOpen(): boolean {
    return this.#transport?.isOpen ?? false;
  }

  /** Opens the transport, says hello with the token and resolves with the server's info. */
  async connect(url: string, token: string): Promise<FleetInfo> {
    this.close();
    this.#safety = null;
    const transport = await this.#factory(url);
    this.#transport = transport;
    const info = await new Promise<ServerInfoMessage>((resolve, reject) => {
      transport.onclose = ({ code, reason }) => reject(new CommandError(`CLOSE_${code}`, reason || `connection closed (${code})`));
      transport.onmessage = (bytes) => {
        const d = decodeServerMessage(bytes);
        if (!d.ok) return reject(new CommandError(d.code, d.message));
        if (d.msg.type === 'server_info') resolve(d.msg);
        else if (d.msg.type === 'error') reject(new CommandError(d.msg.code, d.msg.message));
      };
      this.#send({ type: 'hello', protocol: PROTOCOL_VERSION, token, client: 'takeover-console' });
    });
    this.info = unpackRobotModels(info);
    transport.onmessage = (bytes) => this.#dispatch(bytes);
    transport.onclose = (e) => this.#closed(e);
    const every = this.#heartbeatMs >= 0 ? this.#heartbeatMs : Math.max(50, Math.min(250, info.heartbeatTimeoutMs / 10));
    this.heartbeatEveryMs = every;
    this.lastMessageAt = this.#now();
    if (every > 0) this.#heartbeatTimer = setInterval(() => this.heartbeat(), every);
    if (info.safety) {
      this.#safety = new SafetyLink(this.#factory);
      this.#safety.open(safetyUrl(url, info.safety), token);
    }
    return this.info;
  }

  /** the safety socket is signed in: e-stops and pauses also travel there */
  get safetyOpen(): boolean {
    return this.#safety?.isOpen ?? false;
  }

  /** Subscribes to state frames of some robots ('*' = all), at most maxRate frames/s each. */
  subscribe(robots: '*' | string[], maxRate?: number): void {
    this.#send(maxRate === undefined ? { type: 'subscribe', robots } : { type: 'subscribe', robots, maxRate });
  }

  unsubscribe(robots: '*' | string[]): void {
    this.#send({ type: 'unsubscribe', robots });
  }

  /**
   * Sends a robot command; resolves on its ack, rejects with the server's error or a local timeout.
   * An e-stop or pause goes on the safety socket too (when open): the first ack wins.
   */
  command(msg: CommandWithoutRef): Promise<AckMessage> {
    const safety = this.#safety;
    if ((msg.type !== 'estop' && msg.type !== 'pause') || !safety?.isOpen) return this.#command(msg);
    // one press id on both copies: the server acts on the first to land only
    const press = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const main = this.#command({ ...msg, press });
    const side = safety.command({ type: msg.type, robot: msg.robot, press });
    // the main socket's answer (or error) decides when the safety socket's does not land
    return Promise.any([main, side]).catch(() => main);
  }

  #command(msg: CommandWithoutRef): Promise<AckMessage> {
    if (!this.isOpen) return Promise.reject(new CommandError('NOT_CONNECTED', `${msg.type}: not connected`));
    const ref = this.#nextRef++;
    return new Promise<AckMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new CommandError('TIMEOUT', `${msg.type} ${msg.robot}: no answer in ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(ref, { resolve, reject, timer });
      this.#send({ ...msg, ref } as ClientMessage);
    });
  }

  /** Normalized EE delta + gripper; dropped when disconnected. */
  teleopDelta(robot: string, action: ArrayLike<number>): void {
    this.#send({ type: 'teleop', robot, kind: 'delta', action: Array.from(action) });
  }

  /** Absolute EE target (robot base frame, quaternion w x y z); dropped when disconnected. */
  teleopPose(robot: string, pos: ArrayLike<number>, quat: ArrayLike<number>, gripper: number): void {
    this.#send({ type: 'teleop', robot, kind: 'pose', pos: Array.from(pos), quat: Array.from(quat), gripper });
  }

  /** ms since the server last sent anything (Infinity when never connected) */
  silentMs(): number {
    return Number.isNaN(this.lastMessageAt) ? Number.POSITIVE_INFINITY : this.#now() - this.lastMessageAt;
  }

  /** Sends a heartbeat (the server's watchdog holds the arm when the lease holder's stop). */
  heartbeat(): void {
    const t = this.#now();
    this.#send({ type: 'heartbeat', t });
    this.#safety?.heartbeat(t);
  }

  /** Idempotent. Pending commands reject. */
  close(): void {
    this.#safety?.close();
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
    const t = this.#transport;
    this.#transport = null;
    if (t) {
      t.onclose = null;
      t.onmessage = null;
      t.close();
      this.#failPending('closed');
    }
  }

  #send(msg: ClientMessage): void {
    if (this.#transport?.isOpen) this.#transport.send(encodeMessage(msg));
  }

  #dispatch(bytes: Uint8Array): void {
    this.lastMessageAt = this.#now();
    const d = decodeServerMessage(bytes);
    if (!d.ok) {
      this.emit('error', { type: 'error', code: d.code, message: `from server: ${d.message}` });
      return;
    }
    const m = d.msg;
    switch (m.type) {
      case 'state':
        this.emit('state', m);
        break;
      case 'event':
        this.emit('event', m);
        break;
      case 'attention':
        this.emit('attention', m);
        break;
      case 'ack':
        this.#settle(m.ref, (p) => p.resolve(m));
        break;
      case 'error':
        if (m.ref === undefined || !this.#pending.has(m.ref)) this.emit('error', m);
        else this.#settle(m.ref, (p) => p.reject(new CommandError(m.code, m.message)));
        break;
      case 'heartbeat_ack':
        if (m.t !== undefined) {
          this.latencyMs = this.#now() - m.t;
          this.emit('latency', this.latencyMs);
        }
        break;
      case 'server_info':
        this.info = unpackRobotModels(m);
        break;
    }
  }

  #settle(ref: number | undefined, fn: (p: Pending) => void): void {
    if (ref === undefined) return;
    const p = this.#pending.get(ref);
    if (!p) return;
    this.#pending.delete(ref);
    clearTimeout(p.timer);
    fn(p);
  }

  #failPending(why: string): void {
    for (const [ref, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new CommandError('NOT_CONNECTED', `command ${ref}: connection ${why}`));
    }
    this.#pending.clear();
  }

  #closed(info: { code: number; reason: string }): void {
    this.close();
    this.emit('close', info);
  }
}

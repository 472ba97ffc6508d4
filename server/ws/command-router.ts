import type { Actor } from '../control/arbiter.ts';
import { roleAtLeast } from '../control/arbiter.ts';
import { COMMAND_ROLES } from '../../protocol/command-roles.ts';
import type { Refusal } from '../control/control-loop.ts';
import type { RobotCommand } from '../control/robot-command.ts';
import type { TokenStore } from '../auth/token-store.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { CLOSE_CODES, type ErrorCode } from '../../protocol/error-codes.ts';
import { MAX_FRAME_BYTES } from '../../protocol/codec.ts';
import { packRobotModels } from '../../protocol/fleet-models.ts';
import { PROTOCOL_VERSION, SUPPORTED_PROTOCOLS, type AttentionItem, type ClientMessage, type RobotCommandMessage, type ServerMessage } from '../../protocol/messages.ts';
import { SampleRing } from '../control/rate-meter.ts';
import type { ClientSession } from './client-session.ts';

export interface RouterOptions {
  control: ControlPlane;
  tokens: TokenStore;
  version: string;
  heartbeatTimeoutMs: number;
  /** the safety socket's port and path, once it listens (absent or null: none) */
  safety?: () => { port: number; path: string } | null;
  /** a session's subscriptions changed (the control side builds frames only for watched robots) */
  onSubscriptions?: () => void;
  /** the attention queue, sent right after server_info */
  attention?: () => { items: AttentionItem[]; at: number };
}

/**
 * Executes validated client messages for a session: hello, subscriptions and heartbeats here, robot
 * commands on the control side (ControlPlane). A session's replies leave in the order of its
 * messages, also when a command's answer comes back from the control thread later than a
 * heartbeat sent after it: a heartbeat_ack means everything sent before it has been handled.
 */
export class CommandRouter {
  #o: RouterOptions;
  /** per session: the reply chain of commands still waiting for the control side */
  #tail = new WeakMap<ClientSession, Promise<void>>();
  /** e-stops: from the frame's arrival to its answer handed to the socket, ms (status, benchmarks) */
  readonly estopAckMs = new SampleRing(1024);

  constructor(o: RouterOptions) {
    this.#o = o;
  }

  /** Runs `fn` now, or after the answers the session is still waiting for. */
  #after(s: ClientSession, fn: () => void): void {
    const tail = this.#tail.get(s);
    if (!tail) return fn();
    this.#chain(s, tail.then(fn));
  }

  #chain(s: ClientSession, next: Promise<void>): void {
    this.#tail.set(s, next);
    void next.then(() => {
      if (this.#tail.get(s) === next) this.#tail.delete(s);
    });
  }

  #reply(s: ClientSession, msg: ServerMessage | (() => ServerMessage)): void {
    this.#after(s, () => s.send(typeof msg === 'function' ? msg() : msg));
  }

  #errorMessage(s: ClientSession, code: ErrorCode, message: string, ref?: number, forType?: string): ServerMessage {
    s.errors++;
    return { type: 'error', code, message, ...(ref !== undefined ? { ref } : {}), ...(forType ? { for: forType } : {}) };
  }

  #error(s: ClientSession, code: ErrorCode, message: string, ref?: number, forType?: string): void {
    this.#reply(s, () => this.#errorMessage(s, code, message, ref, forType));
  }

  /** Handles one decoded message; `receivedAtMs` is performance.now() at arrival (latency figures). */
  handle(s: ClientSession, msg: ClientMessage, receivedAtMs: number): void {
    if (msg.type === 'hello') return this.#hello(s, msg);
    if (s.protocol === null || !s.principal) return this.#error(s, 'TKO_ERR_HELLO_REQUIRED', 'send hello first', 'ref' in msg ? msg.ref : undefined, msg.type);
    // any valid message from an operator is a sign of life for the robots it holds (teleops feed the watchdog themselves)
    if (msg.type !== 'teleop') this.#o.control.alive(s.principal.name);
    switch (msg.type) {
      case 'subscribe': {
        const ids = msg.robots === '*' ? [...this.#o.control.robotIds] : msg.robots;
        for (const id of ids) {
          if (this.#o.control.has(id)) s.subscribe(id, msg.maxRate);
          else this.#error(s, 'TKO_ERR_UNKNOWN_ROBOT', `no robot '${id}'`, undefined, 'subscribe');
        }
        this.#o.onSubscriptions?.();
        return;
      }
      case 'unsubscribe': {
        if (msg.robots === '*') s.subs.clear();
        else for (const id of msg.robots) s.subs.delete(id);
        this.#o.onSubscriptions?.();
        return;
      }
      case 'heartbeat':
        // serverTime is read when the ack leaves, not when the heartbeat arrived
        this.#reply(s, () => ({ type: 'heartbeat_ack', ...(msg.t !== undefined ? { t: msg.t } : {}), serverTime: Date.now() }));
        return;
      default:
        return this.#command(s, msg, receivedAtMs);
    }
  }

  #hello(s: ClientSession, msg: Extract<ClientMessage, { type: 'hello' }>): void {
    // A connection's identity is fixed by its first hello: a second one would move the connection
    // (and, on close, the release of its lease) to another operator.
    if (s.protocol !== null) return this.#error(s, 'TKO_ERR_HELLO_REPEATED', `this connection already signed in as '${s.principal?.name}'; open another connection to sign in again`, undefined, 'hello');
    if (!SUPPORTED_PROTOCOLS.includes(msg.protocol)) {
      this.#error(s, 'TKO_ERR_PROTOCOL_VERSION', `protocol ${msg.protocol} is not supported; this server speaks ${SUPPORTED_PROTOCOLS.join(', ')}`);
      s.socket.close(CLOSE_CODES.PROTOCOL_VERSION, 'protocol version');
      return;
    }
    if (msg.token !== undefined) {
      const p = this.#o.tokens.lookup(msg.token);
      // a hello token may repeat the upgrade's identity but never replace it
      const conflict = p && s.principal && p.name !== s.principal.name;
      if (!p || conflict) {
        this.#error(s, 'TKO_ERR_UNAUTHENTICATED', p ? `hello.token names '${p.name}' but the upgrade signed in '${s.principal!.name}'` : 'unknown token');
        s.socket.close(CLOSE_CODES.UNAUTHENTICATED, 'unauthenticated');
        return;
      }
      s.principal = p;
    }
    if (!s.principal) {
      this.#error(s, 'TKO_ERR_UNAUTHENTICATED', 'no token: pass ?token= at the upgrade or token in hello');
      s.socket.close(CLOSE_CODES.UNAUTHENTICATED, 'unauthenticated');
      return;
    }
    s.protocol = msg.protocol;
    const c = this.#o.control;
    const safety = this.#o.safety?.() ?? null;
    this.#reply(s, {
      type: 'server_info', protocol: PROTOCOL_VERSION, server: { name: 'takeover', version: this.#o.version }, clientId: s.id,
      operator: { id: s.principal.name, role: s.principal.role }, heartbeatTimeoutMs: this.#o.heartbeatTimeoutMs,
      maxFrameBytes: MAX_FRAME_BYTES, ...packRobotModels(c.robotIds.map((id) => c.info(id))), ...(safety ? { safety } : {}),
    });
    const queue = this.#o.attention;
    if (queue) this.#reply(s, () => ({ type: 'attention', ...queue() }));
  }

  #command(s: ClientSession, msg: RobotCommandMessage, receivedAtMs: number): void {
    const p = s.principal!;
    const { ref, ...cmd } = msg;
    if (!roleAtLeast(p.role, COMMAND_ROLES[msg.type])) return this.#error(s, 'TKO_ERR_FORBIDDEN', `role '${p.role}' may only watch`, ref, msg.type);
    if (!this.#o.control.has(msg.robot)) return this.#error(s, 'TKO_ERR_UNKNOWN_ROBOT', `no robot '${msg.robot}'`, ref, msg.type);
    const actor: Actor = { operatorId: p.name, role: p.role };
    const answer = this.#o.control.command(msg.robot, actor, cmd as RobotCommand, receivedAtMs);
    const replyTo = (refusal: Refusal | null): ServerMessage | null => {
      if (msg.type === 'estop') this.estopAckMs.push(performance.now() - receivedAtMs);
      if (refusal) return this.#errorMessage(s, refusal.code, refusal.message, ref, msg.type);
      // Teleop streams at input rate: acknowledge only when the client asks (ref).
      if (msg.type !== 'teleop' || ref !== undefined) return { type: 'ack', ...(ref !== undefined ? { ref } : {}), for: msg.type, robot: msg.robot };
      return null;
    };
    if (!(answer instanceof Promise)) {
      const m = replyTo(answer);
      if (m) this.#reply(s, m);
      return;
    }
    const failed = (err: unknown): Refusal => ({ code: 'TKO_ERR_INTERNAL', message: `${msg.type} failed: ${(err as Error)?.message ?? String(err)}` });
    // this answer leaves after the earlier ones of the session, and later replies after it
    const prev = this.#tail.get(s) ?? Promise.resolve();
    this.#chain(s, Promise.all([prev, answer.catch(failed)]).then(([, r]) => {
      const m = replyTo(r);
      if (m) s.send(m);
    }));
  }

  /** A frame from this session failed to decode: if it controls robots, they hold. */
  badInput(s: ClientSession): void {
    const name = s.principal?.name;
    if (name) this.#o.control.badInput(name);
  }

  /** The last connection of an operator closed: robots it held hold and free their lease. */
  gone(name: string): void {
    this.#o.control.gone(name);
  }
}

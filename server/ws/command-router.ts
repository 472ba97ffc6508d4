import type { Actor } from '../control/arbiter.ts';
import { roleAtLeast } from '../control/arbiter.ts';
import type { Refusal } from '../control/control-loop.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { CLOSE_CODES, type ErrorCode } from '../../protocol/error-codes.ts';
import { MAX_FRAME_BYTES } from '../../protocol/codec.ts';
import { PROTOCOL_VERSION, SUPPORTED_PROTOCOLS, type ClientMessage, type RobotCommandMessage } from '../../protocol/messages.ts';
import type { Fleet, RobotRuntime } from '../robots/fleet.ts';
import type { ClientSession } from './client-session.ts';

export interface RouterOptions {
  fleet: Fleet;
  tokens: TokenStore;
  version: string;
  heartbeatTimeoutMs: number;
}

/** Executes validated client messages for a session: hello, subscriptions, heartbeats and robot commands. */
export class CommandRouter {
  #o: RouterOptions;

  constructor(o: RouterOptions) {
    this.#o = o;
  }

  #error(s: ClientSession, code: ErrorCode, message: string, ref?: number, forType?: string): void {
    s.errors++;
    s.send({ type: 'error', code, message, ...(ref !== undefined ? { ref } : {}), ...(forType ? { for: forType } : {}) });
  }

  /** Handles one decoded message; `receivedAtMs` is performance.now() at arrival (latency figures). */
  handle(s: ClientSession, msg: ClientMessage, receivedAtMs: number): void {
    if (msg.type === 'hello') return this.#hello(s, msg);
    if (s.protocol === null || !s.principal) return this.#error(s, 'TKO_ERR_HELLO_REQUIRED', 'send hello first', 'ref' in msg ? msg.ref : undefined, msg.type);
    this.#alive(s);
    switch (msg.type) {
      case 'subscribe': {
        const ids = msg.robots === '*' ? [...this.#o.fleet.robots.keys()] : msg.robots;
        for (const id of ids) {
          if (this.#o.fleet.robots.has(id)) s.subscribe(id, msg.maxRate);
          else this.#error(s, 'TKO_ERR_UNKNOWN_ROBOT', `no robot '${id}'`, undefined, 'subscribe');
        }
        return;
      }
      case 'unsubscribe': {
        if (msg.robots === '*') s.subs.clear();
        else for (const id of msg.robots) s.subs.delete(id);
        return;
      }
      case 'heartbeat':
        s.send({ type: 'heartbeat_ack', ...(msg.t !== undefined ? { t: msg.t } : {}), serverTime: Date.now() });
        return;
      default:
        return this.#command(s, msg, receivedAtMs);
    }
  }

  #hello(s: ClientSession, msg: Extract<ClientMessage, { type: 'hello' }>): void {
    if (!SUPPORTED_PROTOCOLS.includes(msg.protocol)) {
      this.#error(s, 'TKO_ERR_PROTOCOL_VERSION', `protocol ${msg.protocol} is not supported; this server speaks ${SUPPORTED_PROTOCOLS.join(', ')}`);
      s.socket.close(CLOSE_CODES.PROTOCOL_VERSION, 'protocol version');
      return;
    }
    if (msg.token !== undefined) {
      const p = this.#o.tokens.lookup(msg.token);
      if (!p) {
        this.#error(s, 'TKO_ERR_UNAUTHENTICATED', 'unknown token');
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
    const fleet = this.#o.fleet;
    s.send({
      type: 'server_info', protocol: PROTOCOL_VERSION, server: { name: 'takeover', version: this.#o.version }, clientId: s.id,
      operator: { id: s.principal.name, role: s.principal.role }, heartbeatTimeoutMs: this.#o.heartbeatTimeoutMs,
      maxFrameBytes: MAX_FRAME_BYTES, robots: [...fleet.robots.keys()].map((id) => fleet.info(id)),
    });
  }

  /** Any valid message from an operator is a sign of life for the robots it holds. */
  #alive(s: ClientSession): void {
    const name = s.principal!.name;
    for (const r of this.#o.fleet.robots.values()) if (r.loop.lease === name) r.loop.heartbeat(name);
  }

  #command(s: ClientSession, msg: RobotCommandMessage, receivedAtMs: number): void {
    const p = s.principal!;
    const ref = msg.ref;
    if (!roleAtLeast(p.role, 'operator')) return this.#error(s, 'TKO_ERR_FORBIDDEN', `role '${p.role}' may only watch`, ref, msg.type);
    const r = this.#o.fleet.robots.get(msg.robot);
    if (!r) return this.#error(s, 'TKO_ERR_UNKNOWN_ROBOT', `no robot '${msg.robot}'`, ref, msg.type);
    const actor: Actor = { operatorId: p.name, role: p.role };
    let refusal: Refusal | null;
    try {
      refusal = this.#run(r, actor, msg, receivedAtMs);
    } catch (err) {
      // A command that throws (a bridge whose link broke mid-call) must not leave the arm driven blind.
      const reason = `${msg.type} failed: ${(err as Error)?.message ?? String(err)}`;
      try { r.loop.request({ type: 'estop', actor: null, reason }); } catch { /* the estop itself failed; the error frame still goes out */ }
      return this.#error(s, 'TKO_ERR_INTERNAL', `${reason}; robot e-stopped`, ref, msg.type);
    }
    if (refusal) return this.#error(s, refusal.code, refusal.message, ref, msg.type);
    // Teleop streams at input rate: acknowledge only when the client asks (ref).
    if (msg.type !== 'teleop' || ref !== undefined) s.send({ type: 'ack', ...(ref !== undefined ? { ref } : {}), for: msg.type, robot: r.id });
  }

  #run(r: RobotRuntime, actor: Actor, msg: RobotCommandMessage, receivedAtMs: number): Refusal | null {
    const loop = r.loop;
    switch (msg.type) {
      case 'take_over': return loop.request({ type: 'take_over', actor, force: msg.force });
      case 'hand_back': return loop.request({ type: 'hand_back', actor });
      case 'pause': return loop.request({ type: 'pause', actor });
      case 'resume': return loop.request({ type: 'resume', actor });
      case 'estop': return loop.request({ type: 'estop', actor });
      case 'reset_estop': return loop.request({ type: 'reset_estop', actor });
      case 'teleop':
        return loop.teleop(actor.operatorId, msg.kind === 'delta' ? { kind: 'delta', action: msg.action } : { kind: 'pose', pos: msg.pos, quat: msg.quat, gripper: msg.gripper }, receivedAtMs);
      case 'rewind': {
        if ((msg.toStep === undefined) === (msg.seconds === undefined)) {
          return { code: 'TKO_ERR_INVALID_MESSAGE', message: 'rewind takes exactly one of toStep or seconds' };
        }
        return loop.rewind(actor, msg.toStep !== undefined ? { toStep: msg.toStep } : { seconds: msg.seconds! });
      }
      case 'reset_episode':
      case 'mark_outcome': {
        if (loop.lease !== null && loop.lease !== actor.operatorId && actor.role !== 'admin') {
          return { code: 'TKO_ERR_LEASE_HELD', message: `robot is held by operator '${loop.lease}'` };
        }
        if (msg.type === 'mark_outcome') return loop.markOutcome(msg.outcome, actor.operatorId);
        loop.resetEpisode(msg.seed, actor.operatorId);
        return null;
      }
      default:
        return { code: 'TKO_ERR_UNKNOWN_TYPE', message: `unhandled message type` };
    }
  }

  /** A frame from this session failed to decode: if it controls robots, they hold. */
  badInput(s: ClientSession): void {
    const name = s.principal?.name;
    if (!name) return;
    for (const r of this.#o.fleet.robots.values()) if (r.loop.lease === name) r.loop.badInput(name);
  }

  /** The last connection of an operator closed: robots it held hold and free their lease. */
  gone(name: string): void {
    for (const r of this.#o.fleet.robots.values()) if (r.loop.lease === name) r.loop.operatorGone(name);
  }
}

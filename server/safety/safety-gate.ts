import { roleAtLeast } from '../control/arbiter.ts';
import type { Refusal } from '../control/control-loop.ts';
import type { TokenStore } from '../auth/token-store.ts';
import type { ClientSession } from '../ws/client-session.ts';
import { COMMAND_ROLES } from '../../protocol/command-roles.ts';
import { CLOSE_CODES, type ErrorCode } from '../../protocol/error-codes.ts';
import { SUPPORTED_PROTOCOLS, type ClientMessage, type ServerMessage } from '../../protocol/messages.ts';
import type { ControlPortClient } from './control-port-client.ts';

/** The messages the safety socket reads (docs/protocol.md, "Safety socket"). */
export const SAFETY_SOCKET_TYPES: ReadonlySet<ClientMessage['type']> = new Set(['hello', 'heartbeat', 'estop', 'pause']);

export interface SafetyGateOptions {
  tokens: TokenStore;
  robots: ReadonlySet<string>;
  control: Pick<ControlPortClient, 'command' | 'alive'>;
  /** an e-stop's answer was handed to the socket this long after its frame arrived, ms */
  onEstopAck?: (ms: number) => void;
}

/**
 * What the safety socket does with one decoded message of a session: sign in (hello, as on /ws),
 * answer heartbeats, and pass e-stops and pauses straight to the control thread. Replies leave in
 * the order of the messages, as on /ws. Every other message type is refused by name.
 */
export class SafetyGate {
  #o: SafetyGateOptions;
  #tail = new WeakMap<ClientSession, Promise<void>>();

  constructor(o: SafetyGateOptions) {
    this.#o = o;
  }

  #send(s: ClientSession, msg: ServerMessage | Promise<ServerMessage>): void {
    const prev = this.#tail.get(s);
    if (!prev && !(msg instanceof Promise)) return s.send(msg);
    const next = Promise.all([prev, msg]).then(([, m]) => s.send(m));
    this.#tail.set(s, next);
    void next.then(() => {
      if (this.#tail.get(s) === next) this.#tail.delete(s);
    });
  }

  #error(s: ClientSession, code: ErrorCode, message: string, ref?: number, forType?: string): void {
    s.errors++;
    this.#send(s, { type: 'error', code, message, ...(ref !== undefined ? { ref } : {}), ...(forType ? { for: forType } : {}) });
  }

  /** Handles one decoded message; `at` is performance.now() at the frame's arrival. */
  handle(s: ClientSession, msg: ClientMessage, at: number): void {
    const ref = 'ref' in msg ? msg.ref : undefined;
    if (!SAFETY_SOCKET_TYPES.has(msg.type)) {
      return this.#error(s, 'TKO_ERR_SAFETY_SOCKET', `the safety socket reads hello, heartbeat, estop and pause; send ${msg.type} on /ws`, ref, msg.type);
    }
    if (msg.type === 'hello') return this.#hello(s, msg);
    const p = s.principal;
    if (s.protocol === null || !p) return this.#error(s, 'TKO_ERR_HELLO_REQUIRED', 'send hello first', ref, msg.type);
    this.#o.control.alive(p.name);
    if (msg.type === 'heartbeat') return this.#send(s, { type: 'heartbeat_ack', ...(msg.t !== undefined ? { t: msg.t } : {}), serverTime: Date.now() });
    if (msg.type !== 'estop' && msg.type !== 'pause') return;
    if (!roleAtLeast(p.role, COMMAND_ROLES[msg.type])) return this.#error(s, 'TKO_ERR_FORBIDDEN', `role '${p.role}' may only watch`, ref, msg.type);
    if (!this.#o.robots.has(msg.robot)) return this.#error(s, 'TKO_ERR_UNKNOWN_ROBOT', `no robot '${msg.robot}'`, ref, msg.type);
    const type = msg.type;
    const answer = this.#o.control.command(msg.robot, { operatorId: p.name, role: p.role }, { type, robot: msg.robot, ...(msg.press !== undefined ? { press: msg.press } : {}) }, at).then((r: Refusal | null): ServerMessage => {
      if (type === 'estop') this.#o.onEstopAck?.(performance.now() - at);
      if (!r) return { type: 'ack', ...(ref !== undefined ? { ref } : {}), for: type, robot: msg.robot };
      s.errors++;
      return { type: 'error', code: r.code, message: r.message, ...(ref !== undefined ? { ref } : {}), for: type };
    });
    this.#send(s, answer);
  }

  #hello(s: ClientSession, msg: Extract<ClientMessage, { type: 'hello' }>): void {
    if (s.protocol !== null) return this.#error(s, 'TKO_ERR_HELLO_REPEATED', `this connection already signed in as '${s.principal?.name}'`, undefined, 'hello');
    if (!SUPPORTED_PROTOCOLS.includes(msg.protocol)) {
      this.#error(s, 'TKO_ERR_PROTOCOL_VERSION', `protocol ${msg.protocol} is not supported; this server speaks ${SUPPORTED_PROTOCOLS.join(', ')}`);
      return s.close(CLOSE_CODES.PROTOCOL_VERSION, 'protocol version', false);
    }
    const p = msg.token !== undefined ? this.#o.tokens.lookup(msg.token) : s.principal;
    if (!p || (s.principal && p.name !== s.principal.name)) {
      this.#error(s, 'TKO_ERR_UNAUTHENTICATED', !p ? (msg.token !== undefined ? 'unknown token' : 'no token: pass ?token= at the upgrade or token in hello') : `hello.token names '${p.name}' but the upgrade signed in '${s.principal!.name}'`);
      return s.close(CLOSE_CODES.UNAUTHENTICATED, 'unauthenticated', false);
    }
    s.principal = p;
    s.protocol = msg.protocol;
    this.#send(s, { type: 'ack', for: 'hello' });
  }
}

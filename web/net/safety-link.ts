import { decodeServerMessage, encodeMessage } from '../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../../protocol/messages.ts';
import type { Transport, TransportFactory } from './transport.ts';

type Ack = Extract<ServerMessage, { type: 'ack' }>;

/** The safety socket's URL beside a /ws URL: same scheme and host, its own port and path. */
export function safetyUrl(wsUrl: string, safety: { port: number; path: string }): string {
  const u = new URL(wsUrl);
  u.port = String(safety.port);
  u.pathname = safety.path;
  u.search = '';
  return u.toString();
}

/**
 * The console's second socket (docs/protocol.md, "Safety socket"): it carries only e-stops,
 * pauses and heartbeats, which the server reads on a thread of their own, so they land while
 * the main socket waits behind a busy server. It reconnects by itself (1 s apart) until closed.
 */
export class SafetyLink {
  #factory: TransportFactory;
  #transport: Transport | null = null;
  #pending = new Map<number, { resolve: (a: Ack) => void; reject: (e: Error) => void }>();
  #nextRef = 1;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #url = '';
  #token = '';

  constructor(factory: TransportFactory) {
    this.#factory = factory;
  }

  /** signed in and open */
  isOpen = false;

  /** Connects and signs in; keeps trying in the background when it fails. */
  open(url: string, token: string): void {
    this.#url = url;
    this.#token = token;
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    try {
      const t = await this.#factory(this.#url);
      if (this.#closed) return t.close();
      this.#transport = t;
      t.onmessage = (bytes) => this.#dispatch(bytes);
      t.onclose = () => this.#lost();
      t.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION, token: this.#token, client: 'takeover-console-safety' }));
    } catch {
      this.#lost();
    }
  }

  #lost(): void {
    this.isOpen = false;
    this.#transport = null;
    for (const p of this.#pending.values()) p.reject(new Error('safety socket closed'));
    this.#pending.clear();
    if (!this.#closed) this.#retry = setTimeout(() => void this.#connect(), 1000);
  }

  #dispatch(bytes: Uint8Array): void {
    const d = decodeServerMessage(bytes);
    if (!d.ok) return;
    const m = d.msg;
    if (m.type === 'ack' && m.for === 'hello') {
      this.isOpen = true;
      return;
    }
    if ((m.type !== 'ack' && m.type !== 'error') || m.ref === undefined) return;
    const p = this.#pending.get(m.ref);
    this.#pending.delete(m.ref);
    if (!p) return;
    if (m.type === 'ack') p.resolve(m);
    else p.reject(Object.assign(new Error(m.message), { code: m.code }));
  }

  /** Sends an e-stop or pause; resolves on its ack, rejects with the server's error or when the socket goes. */
  command(msg: { type: 'estop' | 'pause'; robot: string; press?: string }): Promise<Ack> {
    if (!this.isOpen || !this.#transport) return Promise.reject(new Error('safety socket not open'));
    const ref = this.#nextRef++;
    return new Promise<Ack>((resolve, reject) => {
      this.#pending.set(ref, { resolve, reject });
      this.#send({ ...msg, ref });
    });
  }

  /** A heartbeat (a sign of life for the server's watchdogs that does not wait behind /ws). */
  heartbeat(t: number): void {
    if (this.isOpen) this.#send({ type: 'heartbeat', t });
  }

  #send(msg: ClientMessage): void {
    this.#transport?.send(encodeMessage(msg));
  }

  /** Idempotent; stops reconnecting. */
  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const t = this.#transport;
    if (t) {
      t.onclose = null;
      t.close();
    }
    this.#lost();
  }
}

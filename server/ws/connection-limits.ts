import type { WsLimits } from '../config/config-schema.ts';
import type { ClientSession } from './client-session.ts';

/** Which cap a connection ran into. */
export type ConnectionCap = 'total' | 'token';

/**
 * The open WebSocket connections, counted in total and per token (principal name), with their
 * caps (docs/configuration.md, "Overload limits"). A connection counts in total from the upgrade
 * and under its token from the moment the token is known: at the upgrade, or at hello.
 */
export class ConnectionLimits {
  readonly maxConnections: number;
  readonly maxPerToken: number;
  readonly #names = new Map<ClientSession, string | null>();
  readonly #perName = new Map<string, number>();

  constructor(l: Pick<WsLimits, 'maxConnections' | 'maxConnectionsPerToken'>) {
    this.maxConnections = l.maxConnections;
    this.maxPerToken = l.maxConnectionsPerToken;
  }

  /** Open connections. */
  get size(): number {
    return this.#names.size;
  }

  /** Open connections counted under `name`. */
  count(name: string): number {
    return this.#perName.get(name) ?? 0;
  }

  /** The open connections (sessions), said hello or not. */
  sessions(): IterableIterator<ClientSession> {
    return this.#names.keys();
  }

  /** The cap a new connection of `name` (null: its token comes with hello) would run into, or null. */
  refusal(name: string | null): ConnectionCap | null {
    if (this.#names.size >= this.maxConnections) return 'total';
    if (name !== null && this.count(name) >= this.maxPerToken) return 'token';
    return null;
  }

  /** Counts a new connection, under its principal if it has one; over a cap nothing is counted. */
  open(s: ClientSession): ConnectionCap | null {
    const name = s.principal?.name ?? null;
    const cap = this.refusal(name);
    if (cap) return cap;
    this.#names.set(s, null);
    if (name !== null) this.identify(s, name);
    return null;
  }

  /** Counts an open connection under `name` (moving it from any other name); false over the per-token cap. */
  identify(s: ClientSession, name: string): boolean {
    const was = this.#names.get(s);
    if (was === undefined) return false;
    if (was === name) return true;
    if (this.count(name) >= this.maxPerToken) return false;
    if (was !== null) this.#release(was);
    this.#names.set(s, name);
    this.#perName.set(name, this.count(name) + 1);
    return true;
  }

  /** Forgets a closed connection (no-op for one never counted). */
  close(s: ClientSession): void {
    const was = this.#names.get(s);
    if (was === undefined) return;
    this.#names.delete(s);
    if (was !== null) this.#release(was);
  }

  #release(name: string): void {
    const n = this.count(name) - 1;
    if (n > 0) this.#perName.set(name, n);
    else this.#perName.delete(name);
  }
}

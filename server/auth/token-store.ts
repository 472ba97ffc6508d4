import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../control/arbiter.ts';

/** Who a valid token belongs to. */
export interface Principal {
  name: string;
  role: Role;
}

/** A token as stored: its owner, role and a salted SHA-256 digest, never the token itself. */
export interface TokenRecord {
  name: string;
  role: Role;
  /** ISO date-time the token was created (or first migrated to digests) */
  created: string;
  /** per-token random salt, base64url */
  salt: string;
  /** SHA-256 of salt bytes followed by the token's UTF-8 bytes, base64url */
  sha256: string;
}

/** The salted digest a token is stored and compared as. */
export function digestToken(token: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(token, 'utf8').digest();
}

/** A new random token (24 bytes, base64url): high entropy, so one SHA-256 round is enough. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The record to store for `token`, with a fresh salt. */
export function tokenRecord(name: string, role: Role, token: string, created = new Date()): TokenRecord {
  const salt = randomBytes(16);
  return { name, role, created: created.toISOString(), salt: salt.toString('base64url'), sha256: digestToken(token, salt).toString('base64url') };
}

interface Entry {
  salt: Buffer;
  digest: Buffer;
  principal: Principal;
  record: TokenRecord;
}

const toEntry = (r: TokenRecord): Entry => ({ salt: Buffer.from(r.salt, 'base64url'), digest: Buffer.from(r.sha256, 'base64url'), principal: { name: r.name, role: r.role }, record: r });

export interface TokenStoreOptions {
  /** the records anew when their file changed since the last call, else null (checked on lookups) */
  refresh?: () => TokenRecord[] | null;
  /** a token was used successfully (last-used bookkeeping; must not do I/O per call) */
  onUse?: (name: string, atMs: number) => void;
  /** called once when the server closes */
  onClose?: () => Promise<void> | void;
}

/**
 * Bearer tokens with roles. Only salted digests are held; a lookup hashes the candidate with
 * every entry's salt and compares all of them in constant time (no early exit on a match).
 */
export class TokenStore {
  #entries: Entry[];
  #o: TokenStoreOptions;

  constructor(records: TokenRecord[], o: TokenStoreOptions = {}) {
    this.#entries = records.map(toEntry);
    this.#o = o;
  }

  /** A store over plain tokens (the configuration's): digested at once, the plain text is not kept. */
  static fromPlain(tokens: Array<{ name: string; role: Role; token: string }>, o: TokenStoreOptions = {}): TokenStore {
    return new TokenStore(tokens.map((t) => tokenRecord(t.name, t.role, t.token)), o);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The tokens as stored (digests only), for another thread that checks the same tokens. */
  records(): TokenRecord[] {
    return this.#entries.map((e) => ({ ...e.record }));
  }

  /** The principal of a token, or null. */
  lookup(token: string | undefined | null): Principal | null {
    const fresh = this.#o.refresh?.();
    if (fresh) this.#entries = fresh.map(toEntry);
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return null;
    let found: Principal | null = null;
    for (const e of this.#entries) if (timingSafeEqual(e.digest, digestToken(token, e.salt))) found = e.principal;
    if (found) this.#o.onUse?.(found.name, Date.now());
    return found;
  }

  /** Persists what must outlive the process (last-used times). */
  async close(): Promise<void> {
    await this.#o.onClose?.();
  }
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import { TokenConfigSchema, type TokenConfig } from '../config/config-schema.ts';
import type { Role } from '../control/arbiter.ts';
import { TakeoverError } from '../errors.ts';

/** Who a valid token belongs to. */
export interface Principal {
  name: string;
  role: Role;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer tokens with roles. Lookups compare SHA-256 digests in constant time. */
export class TokenStore {
  #entries: Array<{ digest: Buffer; principal: Principal }>;

  constructor(tokens: TokenConfig[]) {
    this.#entries = tokens.map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The principal of a token, or null. */
  lookup(token: string | undefined | null): Principal | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return null;
    const d = digest(token);
    let found: Principal | null = null;
    for (const e of this.#entries) if (timingSafeEqual(e.digest, d)) found = e.principal;
    return found;
  }
}

const TokenFileSchema = Type.Array(TokenConfigSchema);

/** Path of the generated tokens file in a data dir. */
export const tokensFile = (dataDir: string) => join(dataDir, 'tokens.json');

/**
 * The tokens to use: the configured ones; with none configured, those in `<dataDir>/tokens.json`;
 * with no such file, a new admin token written there (mode 0600) and returned as `created` so
 * the caller can print it once.
 */
export function resolveTokens(configured: TokenConfig[], dataDir: string): { store: TokenStore; created: TokenConfig | null; source: string } {
  if (configured.length > 0) return { store: new TokenStore(configured), created: null, source: 'config' };
  const file = tokensFile(dataDir);
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new TakeoverError('TKO_ERR_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
    }
    if (!Value.Check(TokenFileSchema, parsed)) {
      const e = [...Value.Errors(TokenFileSchema, parsed)][0];
      throw new TakeoverError('TKO_ERR_CONFIG', `${file}: ${e?.path || '/'}: ${e?.message}`);
    }
    return { store: new TokenStore(parsed), created: null, source: file };
  }
  const created: TokenConfig = { name: 'admin', role: 'admin', token: randomBytes(24).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify([created], null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { store: new TokenStore([created]), created, source: file };
}

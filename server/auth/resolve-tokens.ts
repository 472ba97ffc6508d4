import type { TokenConfig } from '../config/config-schema.ts';
import { TokenStore } from './token-store.ts';
import { generateToken, tokenRecord } from './token-store.ts';
import { readTokenFile, secureDataDir, tokenFileWatch, tokensFile, writeTokenFile } from './token-file.ts';
import { TokenUsage, tokenUsageFile } from './token-usage.ts';

/** What the server authenticates with, and what it has to tell the operator about it. */
export interface ResolvedTokens {
  store: TokenStore;
  /** the admin token a first start created: shown once, stored only as a digest */
  created: TokenConfig | null;
  /** 'config' or the tokens file's path */
  source: string;
  /** plain-text tokens found in the tokens file and rewritten as digests */
  migrated: number;
}

/**
 * The tokens to use: the configured ones; with none configured, those in `<dataDir>/tokens.json`
 * (kept as salted digests, re-read when `takeover tokens` changes it); with no such file, a new
 * admin token whose digest is written there, returned once as `created`. Creates the data dir 0700.
 */
export function resolveTokens(configured: TokenConfig[], dataDir: string, log: (level: 'info' | 'error', msg: string) => void = () => {}): ResolvedTokens {
  secureDataDir(dataDir);
  const usage = new TokenUsage(tokenUsageFile(dataDir), { onError: (err) => log('error', `cannot write token last-used times: ${err.message}`) });
  const hooks = { onUse: (name: string, at: number) => usage.touch(name, at), onClose: () => usage.close() };
  if (configured.length > 0) return { store: TokenStore.fromPlain(configured, hooks), created: null, source: 'config', migrated: 0 };
  const file = tokensFile(dataDir);
  const { records, migrated } = readTokenFile(file);
  if (migrated > 0) log('info', `${file} held ${migrated} token(s) in plain text; rewrote it with salted SHA-256 digests (the tokens keep working)`);
  let created: TokenConfig | null = null;
  if (records.length === 0) {
    created = { name: 'admin', role: 'admin', token: generateToken() };
    records.push(tokenRecord(created.name, created.role, created.token));
    writeTokenFile(file, records);
  }
  const refresh = tokenFileWatch(file, (err) => log('error', `tokens file changed but does not read; keeping the previous tokens: ${err.message}`));
  return { store: new TokenStore(records, { ...hooks, refresh }), created, source: file, migrated };
}

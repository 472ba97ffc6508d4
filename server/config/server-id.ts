import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isSafeName } from '../../core/safe-name.ts';
import { TakeoverError } from '../errors.ts';

/** The file in the data directory that keeps a server's generated id across restarts. */
export const SERVER_ID_FILE = 'server-id';

/**
 * This server's id in a shared database: `serverId` from the configuration, else the one kept in
 * `<dataDir>/server-id`, else a new `<hostname>-<6 hex>` written there (random, so that two
 * servers on one host, or on ephemeral ports, never share one).
 */
export function resolveServerId(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, SERVER_ID_FILE);
  let kept: string | null = null;
  try {
    kept = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (kept !== null) {
    if (!isSafeName(kept)) throw new TakeoverError('TKO_ERR_CONFIG', `${file} holds '${kept.slice(0, 80)}', not a server id (letters, digits, '.', '_', '-'); fix or delete it`);
    return kept;
  }
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 50) || 'server';
  const id = `${host}-${randomBytes(3).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, id + '\n', { mode: 0o600 });
  return id;
}

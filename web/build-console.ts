import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));
const PROTOCOL_DIR = fileURLToPath(new URL('../server/protocol/', import.meta.url));

/** Newest modification time (ms) of the console's sources and the protocol it imports. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name.startsWith('dist.') || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestSource(p) : st.mtimeMs);
  }
  return newest;
}

export interface EnsureBuiltOptions {
  /** also rebuild when a source is newer than the build (tests and development) */
  rebuildStale?: boolean;
  log?: (line: string) => void;
}

/**
 * Builds the operator console into web/dist if it is missing (or stale, when asked). Safe when
 * several processes call it at once: each builds into its own folder and renames it into place.
 */
export async function ensureConsoleBuilt({ rebuildStale = false, log = () => {} }: EnsureBuiltOptions = {}): Promise<{ dir: string; built: boolean }> {
  const dist = join(WEB_DIR, 'dist');
  const index = join(dist, 'index.html');
  if (existsSync(index)) {
    if (!rebuildStale) return { dir: dist, built: false };
    const builtAt = statSync(index).mtimeMs;
    if (Math.max(newestSource(WEB_DIR), newestSource(PROTOCOL_DIR)) <= builtAt) return { dir: dist, built: false };
  }
  log('building the operator console (vite build web)…');
  const tmp = join(WEB_DIR, `dist.tmp-${process.pid}-${Date.now()}`);
  const { build } = await import('vite');
  await build({ root: WEB_DIR, configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
  // Another process may have finished first; the last complete build wins, never a half-written one.
  await rm(dist, { recursive: true, force: true });
  try {
    await rename(tmp, dist);
  } catch {
    await rm(tmp, { recursive: true, force: true });
  }
  log('console built into web/dist');
  return { dir: dist, built: true };
}

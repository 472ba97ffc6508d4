import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));
const PROTOCOL_DIR = fileURLToPath(new URL('../protocol/', import.meta.url));

/** Newest modification time (ms) of the console's sources and the protocol it imports. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name.startsWith('dist.') || name === 'node_modules') continue; // builds, locks, temp folders
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

/** True when web/dist exists and (if asked) is newer than every source. */
function upToDate(dist: string, rebuildStale: boolean): boolean {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return false;
  if (!rebuildStale) return true;
  return Math.max(newestSource(WEB_DIR), newestSource(PROTOCOL_DIR)) <= statSync(index).mtimeMs;
}

const LOCK_STALE_MS = 180_000;

/** Takes the build lock (an atomic mkdir); waits while another process holds it. Returns false if it waited. */
async function lockOrWait(lock: string): Promise<boolean> {
  for (;;) {
    try {
      await mkdir(lock);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true }); // a crashed builder
    await new Promise((r) => setTimeout(r, 200));
    if (!existsSync(lock)) return false;
  }
}

/**
 * Builds the operator console into web/dist if it is missing (or stale, when asked). Safe when
 * several processes call it at once: one builds under a lock into a private folder and swaps it
 * in; the others wait for it and use its build.
 */
export async function ensureConsoleBuilt({ rebuildStale = false, log = () => {} }: EnsureBuiltOptions = {}): Promise<{ dir: string; built: boolean }> {
  const dist = join(WEB_DIR, 'dist');
  if (upToDate(dist, rebuildStale)) return { dir: dist, built: false };
  const lock = join(WEB_DIR, 'dist.lock');
  if (!(await lockOrWait(lock))) {
    if (upToDate(dist, rebuildStale)) return { dir: dist, built: false };
    return ensureConsoleBuilt({ rebuildStale, log });
  }
  try {
    if (upToDate(dist, rebuildStale)) return { dir: dist, built: false };
    log('building the operator console (vite build web)…');
    const tmp = join(WEB_DIR, `dist.tmp-${process.pid}-${Date.now()}`);
    const { build } = await import('vite');
    await build({ root: WEB_DIR, configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
    const old = join(WEB_DIR, `dist.old-${process.pid}-${Date.now()}`);
    if (existsSync(dist)) await rename(dist, old);
    await rename(tmp, dist);
    await rm(old, { recursive: true, force: true });
    log('console built into web/dist');
    return { dir: dist, built: true };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

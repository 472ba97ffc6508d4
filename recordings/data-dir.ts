import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Data dirs a Recorder in this process holds (a process-wide fact, hence module state). */
const heldHere = new Set<string>();

/** Where everything lives under one data directory (docs/recordings.md). */
export const dataDirLayout = (dataDir: string) => ({
  catalog: join(dataDir, 'catalog.sqlite'),
  episodes: join(dataDir, 'episodes'),
  quarantine: join(dataDir, 'quarantine'),
  lock: join(dataDir, 'recorder.lock'),
  /** journals fetched back from the object store (docs/deployment.md, "Object storage"); safe to delete */
  cache: join(dataDir, 'cache'),
});

/** Journal path relative to the data dir (what the catalog stores). */
export function journalFile(episodeId: string): string {
  return `episodes/${episodeId}.mcap`;
}

/**
 * Creates the data directory's folders if missing: all owner-only (0700), and the catalog file
 * 0600 before SQLite opens it (its -wal and -shm files take the catalog's mode).
 */
export function ensureDataDir(dataDir: string): void {
  const l = dataDirLayout(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  mkdirSync(l.episodes, { recursive: true, mode: 0o700 });
  mkdirSync(l.quarantine, { recursive: true, mode: 0o700 });
  // Only a missing catalog is opened here: closing any descriptor of a file SQLite has open in this
  // process would drop that connection's POSIX locks on it.
  if (!existsSync(l.catalog)) {
    try {
      closeSync(openSync(l.catalog, 'wx', 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(l.catalog, 0o600);
}

/** The pid of a live process (this one included) with a Recorder open on `dataDir`, or null. */
export function recorderHolding(dataDir: string): number | null {
  if (heldHere.has(resolve(dataDir))) return process.pid;
  let pid: number;
  try {
    pid = Number(readFileSync(dataDirLayout(dataDir).lock, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM' ? pid : null;
  }
}

/**
 * Marks `dataDir` as recorded into by this process, so recovery elsewhere leaves its open
 * files alone. Throws if another live process holds it. A stale lock (dead pid) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const other = recorderHolding(dataDir);
  if (other !== null) throw new Error(`data dir ${dataDir} is being recorded into by ${other === process.pid ? 'another Recorder in this process' : `process ${other}`}`);
  const path = dataDirLayout(dataDir).lock;
  writeFileSync(path, String(process.pid));
  const key = resolve(dataDir);
  heldHere.add(key);
  return () => {
    heldHere.delete(key);
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
    } catch {
      /* already gone */
    }
  };
}

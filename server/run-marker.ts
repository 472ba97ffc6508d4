import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The marker a running server keeps in its data dir; removed on a clean stop (docs/protocol.md "Leases, e-stops and restarts"). */
export const RUN_MARKER = 'server.running';

/** A previous run that did not stop cleanly: what its marker said. */
export interface UncleanRun {
  pid: number | null;
  startedAt: string | null;
}

export interface RunMarker {
  /** the previous run left its marker behind (it was killed or crashed), else null */
  unclean: UncleanRun | null;
  /** removes the marker: call once everything has stopped cleanly */
  release(): void;
}

/**
 * Marks `dataDir` as served by this process. A marker already there means the previous run never
 * reached its clean stop (kill -9, a crash, a power cut): the caller then starts every robot PAUSED.
 */
export function markRunning(dataDir: string, now = new Date()): RunMarker {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, RUN_MARKER);
  let unclean: UncleanRun | null = null;
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    /* no marker: the last run stopped cleanly, or this is the first */
  }
  if (text !== null) {
    let prev: { pid?: unknown; startedAt?: unknown } = {};
    try {
      prev = JSON.parse(text) as typeof prev;
    } catch {
      /* a marker cut short by the crash still says the run did not end */
    }
    unclean = { pid: typeof prev.pid === 'number' ? prev.pid : null, startedAt: typeof prev.startedAt === 'string' ? prev.startedAt : null };
  }
  const mine = JSON.stringify({ pid: process.pid, startedAt: now.toISOString() });
  writeFileSync(path, mine, { mode: 0o600 });
  let released = false;
  return {
    unclean,
    release() {
      if (released) return;
      released = true;
      try {
        // another server that took the dir over since keeps its marker
        if (readFileSync(path, 'utf8') === mine) rmSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}

/** The mode reason of robots started after an unclean shutdown. */
export function uncleanReason(u: UncleanRun): string {
  const who = [u.pid !== null ? `pid ${u.pid}` : null, u.startedAt ? `started ${u.startedAt}` : null].filter(Boolean).join(', ');
  return `unclean shutdown: the previous run${who ? ` (${who})` : ''} did not stop cleanly; resume when it is safe`;
}

// Overload load (d): another process holding the write lock of the server's SQLite catalog
// (BEGIN IMMEDIATE ... COMMIT) for a while, starting some seconds into the measured window.
import Database from 'better-sqlite3';
import { runChild } from './overload-child.ts';

interface Params {
  dbPath: string;
  delayS: number;
  holdS: number;
  maxSeconds: number;
}

runChild<Params>((p, ready) => {
  /** acquiredAtMs, releasedAtMs: epoch ms (the parent puts them on its window) */
  const r = { acquired: false, waitedMs: NaN, heldMs: NaN, committed: false, acquiredAtMs: NaN, releasedAtMs: NaN, error: null as string | null };
  const epoch = () => performance.timeOrigin + performance.now();
  let db: Database.Database | null = null;
  let timer: NodeJS.Timeout | null = null;
  ready();

  const hold = () => {
    try {
      db = new Database(p.dbPath, { timeout: 30_000 });
      const t = performance.now();
      db.exec('BEGIN IMMEDIATE');
      r.acquired = true;
      r.waitedMs = performance.now() - t;
      r.acquiredAtMs = epoch();
      const held = performance.now();
      timer = setTimeout(() => {
        try {
          db!.exec('COMMIT');
          r.committed = true;
        } catch (err) {
          r.error = (err as Error).message;
        }
        r.heldMs = performance.now() - held;
        r.releasedAtMs = epoch();
        db!.close();
        db = null;
      }, p.holdS * 1000);
    } catch (err) {
      r.error = (err as Error).message;
    }
  };

  return {
    mark() {
      setTimeout(hold, p.delayS * 1000);
    },
    result: () => ({ ...r, delayS: p.delayS, holdS: p.holdS }),
    close() {
      if (timer) clearTimeout(timer);
      // a lock still held is released (the transaction rolls back with the connection)
      db?.close();
    },
  };
});

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
  /** times in s from the mark (the window's start) */
  const r = { acquired: false, waitedMs: NaN, heldMs: NaN, committed: false, acquiredAtS: NaN, releasedAtS: NaN, error: null as string | null };
  let db: Database.Database | null = null;
  let timer: NodeJS.Timeout | null = null;
  let t0 = performance.now();
  ready();

  const hold = () => {
    try {
      db = new Database(p.dbPath, { timeout: 30_000 });
      const t = performance.now();
      db.exec('BEGIN IMMEDIATE');
      r.acquired = true;
      r.waitedMs = performance.now() - t;
      r.acquiredAtS = (performance.now() - t0) / 1000;
      const held = performance.now();
      timer = setTimeout(() => {
        try {
          db!.exec('COMMIT');
          r.committed = true;
        } catch (err) {
          r.error = (err as Error).message;
        }
        r.heldMs = performance.now() - held;
        r.releasedAtS = (performance.now() - t0) / 1000;
        db!.close();
        db = null;
      }, p.holdS * 1000);
    } catch (err) {
      r.error = (err as Error).message;
    }
  };

  return {
    mark() {
      t0 = performance.now();
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

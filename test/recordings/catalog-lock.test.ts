import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../core/step.ts';
import { Recorder } from '../../recordings/recorder.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { recoverDataDir } from '../../recordings/recovery.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

// Another process holding the catalog's write lock (here: another better-sqlite3 connection on the
// same file, in BEGIN IMMEDIATE) must neither stall the server's thread nor cost a recorded step.
// Only modules that existed before the write queue are imported, so these tests fail on behaviour.

const dirs: string[] = [];
const others: Database.Database[] = [];
afterEach(() => {
  others.splice(0).forEach((db) => db.open && db.close());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tko-lock-'));
  dirs.push(d);
  return d;
}
/** Another connection to the catalog file, as another process would hold it. */
function otherConnection(file: string): Database.Database {
  const db = new Database(file);
  others.push(db);
  return db;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 20; // 50 Hz

/** Runs `fn` and returns how long it held the thread, ms. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('recording while another connection holds the catalog write lock', () => {
  it('loses no step and blocks no call or timer during a 10 s BEGIN IMMEDIATE; the rows catch up with the right counts', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const file = join(dir, 'catalog.sqlite');
    const catalog = new SqliteCatalog(file);
    const errors: string[] = [];
    const rec = new Recorder({ dataDir: dir, catalog, onError: (e) => errors.push(e.message) });
    const other = otherConnection(file);

    // Two robots' episodes in seconds from the start; the lock is held from 0.5 s to 10.5 s, so
    // there are episodes that begin before and end during it, lie wholly in it, and end after it.
    const plan: Record<string, { id: string; from: number; to: number; outcome: Outcome }[]> = {
      'arm-1': [
        { id: 'a1', from: 0, to: 3, outcome: 'success' },
        { id: 'a2', from: 3, to: 6.5, outcome: 'failure' },
        { id: 'a3', from: 6.5, to: 11.5, outcome: 'success' },
      ],
      'arm-2': [
        { id: 'b1', from: 1, to: 5, outcome: 'success' },
        { id: 'b2', from: 5, to: 11, outcome: 'aborted' },
      ],
    };
    const LOCK = { from: 0.5, to: 10.5 };
    const END = 11.6;
    const appended = new Map<string, number>();
    const open = new Map<string, string>();
    const rand = rng(3);
    let maxCallMs = 0;
    let maxGapMs = 0;
    let locked = false;
    let duringLock: ReturnType<Recorder['stats']> | null = null;
    let rowDuringLock: unknown = 'not read';

    const t0 = performance.now();
    let last = t0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        maxGapMs = Math.max(maxGapMs, now - last);
        last = now;
        const s = (now - t0) / 1000;
        if (!locked && s >= LOCK.from && s < LOCK.to) {
          other.exec('BEGIN IMMEDIATE');
          locked = true;
        }
        if (locked && s >= LOCK.to) {
          duringLock = rec.stats();
          other.exec('COMMIT');
          locked = false;
        }
        if (locked && s >= 9 && rowDuringLock === 'not read') {
          // WAL: reads answer while the other connection holds the write lock
          rowDuringLock = null;
          void catalog.get('a1').then((r) => (rowDuringLock = r?.status ?? null));
        }
        for (const [robotId, episodes] of Object.entries(plan)) {
          const cur = open.get(robotId);
          const ep = episodes.find((e) => s >= e.from && s < e.to);
          if (cur && cur !== ep?.id) {
            const done = episodes.find((e) => e.id === cur)!;
            maxCallMs = Math.max(maxCallMs, timed(() => rec.endEpisode(cur, done.outcome)));
            open.delete(robotId);
          }
          if (ep && !open.has(robotId) && !appended.has(ep.id)) {
            maxCallMs = Math.max(maxCallMs, timed(() => rec.beginEpisode(testMeta(ep.id, { robotId, startedAt: Date.now() }))));
            open.set(robotId, ep.id);
            appended.set(ep.id, 0);
          }
          if (ep && open.get(robotId) === ep.id) {
            const n = appended.get(ep.id)!;
            const step = makeStep(ep.id, n, rand, { recovery: undefined });
            maxCallMs = Math.max(maxCallMs, timed(() => rec.appendStep(step)));
            appended.set(ep.id, n + 1);
          }
        }
        if (s >= END) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });

    // No call into the recorder and no timer turn held the thread anywhere near a busy wait (5 s before).
    expect(maxCallMs).toBeLessThan(1000);
    expect(maxGapMs).toBeLessThan(1000);
    expect(rowDuringLock).toBe('recording'); // a1's row was inserted before the lock
    // The queue showed the writes waiting for the lock.
    expect(duringLock).toMatchObject({ catalogPending: expect.any(Number), catalogRetries: expect.any(Number), catalogOldestPendingMs: expect.any(Number) });
    expect(duringLock!.catalogPending).toBeGreaterThanOrEqual(3);
    expect(duringLock!.catalogRetries).toBeGreaterThan(0);
    expect(duringLock!.catalogOldestPendingMs).toBeGreaterThan(5000);

    // Once the lock is gone the rows catch up (without waiting for close).
    for (let i = 0; i < 200 && rec.stats().catalogPending !== 0; i++) await sleep(10);
    expect(rec.stats().catalogPending).toBe(0);
    await rec.close();
    expect(errors).toEqual([]);
    expect(rec.stats()).toMatchObject({ dropped: 0, rejected: 0 });

    const ids = [...appended.keys()].sort();
    expect(ids).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    for (const id of ids) {
      const n = appended.get(id)!;
      expect(n).toBeGreaterThan(40);
      const j = await readJournalFile(join(dir, 'episodes', `${id}.mcap`));
      expect(j.steps.map((s) => s.step)).toEqual(Array.from({ length: n }, (_, i) => i));
      const outcome = Object.values(plan).flat().find((e) => e.id === id)!.outcome;
      expect(j.end).toMatchObject({ outcome, steps: n, dropped: 0 });
      const row = await catalog.get(id);
      expect(row).toMatchObject({ status: 'complete', steps: n, outcome, droppedSteps: 0, bytes: statSync(join(dir, 'episodes', `${id}.mcap`)).size });
    }
    expect((await catalog.list({ status: 'recording' })).total).toBe(0);
    await catalog.close();
  });

  it('leaves what the lock still holds at close to recovery, which rebuilds the missing and the stale row from the journals', async () => {
    const dir = dataDir();
    const file = join(dir, 'catalog.sqlite');
    const catalog = new SqliteCatalog(file);
    const errors: string[] = [];
    const rec = new Recorder({ dataDir: dir, catalog, onError: (e) => errors.push(e.message), closeWaitMs: 300 });
    const rand = rng(4);
    const other = otherConnection(file);

    rec.beginEpisode(testMeta('stale'));
    for (let i = 0; i < 20; i++) rec.appendStep(makeStep('stale', i, rand, { recovery: undefined }));
    for (let i = 0; i < 100 && !(await catalog.get('stale')); i++) await sleep(10);
    expect(await catalog.get('stale')).toMatchObject({ status: 'recording' });

    other.exec('BEGIN IMMEDIATE');
    for (let i = 20; i < 45; i++) rec.appendStep(makeStep('stale', i, rand, { recovery: undefined }));
    rec.endEpisode('stale', 'success');
    rec.beginEpisode(testMeta('missing', { robotId: 'arm-2' }));
    for (let i = 0; i < 30; i++) rec.appendStep(makeStep('missing', i, rand, { recovery: undefined }));
    rec.endEpisode('missing', 'failure');
    const t = performance.now();
    await rec.close();
    expect(performance.now() - t).toBeLessThan(2500); // bounded by closeWaitMs, not by the lock
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/still waiting for the catalog lock.*recovery rebuilds/);
    other.exec('COMMIT');

    // The journals are complete; the catalog has a stale 'recording' row and no row at all.
    for (const [id, n] of [['stale', 45], ['missing', 30]] as const) {
      const j = await readJournalFile(join(dir, 'episodes', `${id}.mcap`));
      expect(j.steps).toHaveLength(n);
      expect(j.end?.steps).toBe(n);
    }
    expect(await catalog.get('stale')).toMatchObject({ status: 'recording', steps: 0 });
    expect(await catalog.get('missing')).toBeNull();

    const report = await recoverDataDir(dir, catalog);
    expect(report.indexed.sort()).toEqual(['missing', 'stale']);
    expect(report.recovered).toEqual([]);
    expect(await catalog.get('stale')).toMatchObject({ status: 'complete', steps: 45, outcome: 'success', bytes: statSync(join(dir, 'episodes', 'stale.mcap')).size });
    expect(await catalog.get('missing')).toMatchObject({ status: 'complete', steps: 30, outcome: 'failure', robotId: 'arm-2' });
    expect((await recoverDataDir(dir, catalog)).checked).toBe(0);
    await catalog.close();
  });

  it('refuses a write at once while another connection holds the lock, and still reads (WAL)', async () => {
    const file = join(dataDir(), 'catalog.sqlite');
    const catalog = new SqliteCatalog(file);
    const newRow = (id: string) => {
      const m = testMeta(id);
      return { id, robotId: m.robotId, task: m.task, seed: m.seed, policyVersion: m.policyVersion, kind: m.kind, startedAt: m.startedAt, file: `episodes/${id}.mcap` };
    };
    await catalog.insert(newRow('r'));
    const other = otherConnection(file);
    other.exec('BEGIN IMMEDIATE');
    other.prepare("UPDATE episodes SET notes = 'uncommitted' WHERE id = 'r'").run();
    let t = performance.now();
    await expect(catalog.insert(newRow('w'))).rejects.toMatchObject({ name: 'CatalogBusyError' });
    expect(performance.now() - t).toBeLessThan(1000);
    t = performance.now();
    expect(await catalog.get('r')).toMatchObject({ notes: '' }); // the last committed state
    expect((await catalog.list({})).total).toBe(1);
    expect(performance.now() - t).toBeLessThan(1000);
    other.exec('COMMIT');
    await catalog.close();
  });
});

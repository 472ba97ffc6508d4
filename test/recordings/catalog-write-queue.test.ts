import { describe, expect, it } from 'vitest';
import { CatalogBusyError, type Catalog, type EpisodeRow } from '../../recordings/catalog.ts';
import { CatalogWriteAbandonedError, CatalogWriteQueue } from '../../recordings/catalog-write-queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A catalog double: writes are logged in the order applied; while `locked` they throw CatalogBusyError. */
function lockableCatalog() {
  const log: string[] = [];
  const state = { locked: false, attempts: 0 };
  const w = (what: string, fail?: () => Error) => async () => {
    state.attempts++;
    if (state.locked) throw new CatalogBusyError('locked by another connection');
    if (fail) throw fail();
    log.push(what);
  };
  const catalog: Catalog = {
    insert: async (row) => w(`insert ${row.id}`)(),
    finish: async (id, f) => w(`finish ${id} ${f.steps}`)(),
    upsert: async (row) => w(`upsert ${row.id}`)(),
    patch: async (id) => (await w(`patch ${id}`)(), null),
    setStatus: async (id, s) => w(`status ${id} ${s}`, s === 'quarantined' ? () => new Error('disk I/O error') : undefined)(),
    delete: async (id) => (await w(`delete ${id}`)(), true),
    get: async () => null as EpisodeRow | null,
    list: async () => ({ items: [], total: 0 }),
    close: async () => {},
  };
  return { catalog, log, state };
}

const row = (id: string) => ({ id, robotId: 'arm-1', task: 'place', seed: 1, policyVersion: null, kind: 'policy' as const, startedAt: 0, file: `episodes/${id}.mcap` });
const fin = (steps: number) => ({ endedAt: 1, outcome: 'success' as const, steps, interventionCount: 0, interventionSteps: 0, interventionOnsets: [], operators: [], droppedSteps: 0, bytes: 1, status: 'complete' as const });

describe('CatalogWriteQueue', () => {
  it('keeps writes in order while the catalog is locked, retries with backoff, catches up when the lock goes', async () => {
    const { catalog, log, state } = lockableCatalog();
    const q = new CatalogWriteQueue(catalog, { minDelayMs: 2, maxDelayMs: 40 });
    state.locked = true;
    const done = [q.insert(row('a')), q.insert(row('b')), q.finish('a', fin(10)), q.patch('a', { notes: 'x' }), q.finish('b', fin(20))];
    await sleep(300);
    expect(log).toEqual([]);
    const s = q.stats();
    expect(s.pending).toBe(5);
    // backoff: 2, 4, 8, 16, 32, 40, 40 ... ms, so a handful of attempts in 300 ms, not hundreds
    expect(s.retries).toBeGreaterThanOrEqual(4);
    expect(s.retries).toBeLessThan(30);
    expect(state.attempts).toBe(s.retries); // only the head is tried while locked
    expect(s.oldestPendingMs).toBeGreaterThanOrEqual(250);
    state.locked = false;
    const unlockedAt = performance.now();
    expect(await q.drain(2000)).toBe(true);
    expect(performance.now() - unlockedAt).toBeLessThan(1000); // within one max delay, plus scheduling slack
    await Promise.all(done);
    expect(log).toEqual(['insert a', 'insert b', 'finish a 10', 'patch a', 'finish b 20']);
    expect(q.stats()).toMatchObject({ pending: 0, oldestPendingMs: 0, failed: 0, abandoned: 0 });
  });

  it('fails a write that fails for another reason than a lock, and goes on with the next', async () => {
    const { catalog, log } = lockableCatalog();
    const q = new CatalogWriteQueue(catalog);
    const bad = q.setStatus('a', 'quarantined');
    const good = q.insert(row('c'));
    await expect(bad).rejects.toThrow(/disk I\/O error/);
    await good;
    expect(log).toEqual(['insert c']);
    expect(q.stats().failed).toBe(1);
  });

  it('withdraws a write with a deadline that the lock held back, writing nothing (a request answers 503)', async () => {
    const { catalog, log, state } = lockableCatalog();
    const q = new CatalogWriteQueue(catalog, { minDelayMs: 5, maxDelayMs: 20 });
    const requests = q.withWriteDeadline(100);
    state.locked = true;
    const recorderWrite = q.insert(row('r'));
    const started = performance.now();
    const edit = requests.patch('r', { notes: 'too late' });
    await expect(edit).rejects.toBeInstanceOf(CatalogBusyError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(q.stats().pending).toBe(1); // the recorder's write stays queued
    state.locked = false;
    await recorderWrite;
    expect(log).toEqual(['insert r']);
    // without a lock, a request's write is simply done, in order
    await expect(requests.patch('r', { notes: 'now' })).resolves.toBeNull();
    expect(log).toEqual(['insert r', 'patch r']);
  });

  it('gives up what a lock still holds at close (drain times out, abandon rejects), and refuses later writes', async () => {
    const { catalog, state } = lockableCatalog();
    const q = new CatalogWriteQueue(catalog, { minDelayMs: 5, maxDelayMs: 20 });
    state.locked = true;
    const pending = [q.insert(row('x')), q.finish('x', fin(3))];
    expect(await q.drain(60)).toBe(false);
    expect(q.abandon('closing')).toBe(2);
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(CatalogWriteAbandonedError);
    expect(q.stats()).toMatchObject({ pending: 0, abandoned: 2 });
    await expect(q.insert(row('y'))).rejects.toBeInstanceOf(CatalogWriteAbandonedError);
    expect(await q.drain(10)).toBe(true);
  });
});

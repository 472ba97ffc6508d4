import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import type { EpisodeFinish, NewEpisode } from '../../recordings/catalog.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tko-cat-'));
  dirs.push(d);
  return d;
}

const base = (id: string, over: Partial<NewEpisode> = {}): NewEpisode => ({
  id,
  robotId: 'arm-1',
  task: 'place',
  seed: 1,
  policyVersion: 'v1',
  kind: 'policy',
  startedAt: 1000,
  file: `episodes/${id}.mcap`,
  ...over,
});
const done = (over: Partial<EpisodeFinish> = {}): EpisodeFinish => ({
  endedAt: 2000,
  outcome: 'success',
  steps: 100,
  interventionCount: 0,
  interventionSteps: 0,
  interventionOnsets: [],
  operators: [],
  droppedSteps: 0,
  bytes: 1234,
  status: 'complete',
  ...over,
});

describe('SqliteCatalog', () => {
  it('migrates a new file to the latest schema in WAL mode, and reopens without re-running', async () => {
    const path = join(tempDir(), 'catalog.sqlite');
    const c = new SqliteCatalog(path);
    expect(c.version).toBe(1);
    await c.insert(base('a'));
    await c.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = new SqliteCatalog(path);
    expect((await again.get('a'))?.status).toBe('recording');
    await again.close();
  });

  it('refuses a database from a newer build', async () => {
    const path = join(tempDir(), 'catalog.sqlite');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteCatalog(path)).toThrow(/schema 99/);
  });

  it('inserts, finishes, patches and deletes', async () => {
    const c = new SqliteCatalog(':memory:');
    await c.insert(base('a'));
    await expect(c.insert(base('a'))).rejects.toThrow(/already exists/);
    await c.finish('a', done({ interventionCount: 2, interventionSteps: 9, interventionOnsets: [10, 40], operators: ['ana'] }));
    const a = await c.get('a');
    expect(a).toMatchObject({ status: 'complete', outcome: 'success', steps: 100, interventionOnsets: [10, 40], operators: ['ana'], notes: '', tags: [] });
    expect(await c.patch('a', { notes: 'cube slipped', tags: ['slip', 'slip', 'review'], outcome: 'failure' })).toMatchObject({
      notes: 'cube slipped',
      tags: ['slip', 'review'],
      outcome: 'failure',
    });
    expect(await c.patch('missing', { notes: 'x' })).toBeNull();
    await expect(c.finish('missing', done())).rejects.toThrow(/no episode 'missing'/);
    expect(await c.delete('a')).toBe(true);
    expect(await c.delete('a')).toBe(false);
    expect(await c.get('a')).toBeNull();
  });

  it('filters by robot, task, policy, outcome, kind, tag, time range and interventions, with pagination', async () => {
    const c = new SqliteCatalog(':memory:');
    for (let i = 0; i < 30; i++) {
      const id = `e${String(i).padStart(2, '0')}`;
      await c.insert(base(id, { robotId: `arm-${i % 3}`, task: i % 2 ? 'place' : 'stack', policyVersion: i < 10 ? 'v1' : 'v2', kind: i % 7 === 0 ? 'demo' : 'policy', startedAt: 1000 + i * 10 }));
      await c.finish(id, done({ outcome: i % 4 === 0 ? 'failure' : 'success', interventionCount: i % 5 === 0 ? 1 : 0 }));
      if (i % 6 === 0) await c.patch(id, { tags: ['hard'] });
    }
    const ids = async (q: Parameters<typeof c.list>[0]) => (await c.list(q)).items.map((r) => r.id).sort();
    expect((await c.list({})).total).toBe(30);
    expect(await ids({ robotId: 'arm-1', task: 'place' })).toEqual(['e01', 'e07', 'e13', 'e19', 'e25']);
    expect((await c.list({ policyVersion: 'v1' })).total).toBe(10);
    expect(await ids({ outcome: 'failure', policyVersion: 'v1' })).toEqual(['e00', 'e04', 'e08']);
    expect(await ids({ kind: 'demo' })).toEqual(['e00', 'e07', 'e14', 'e21', 'e28']);
    expect(await ids({ tag: 'hard' })).toEqual(['e00', 'e06', 'e12', 'e18', 'e24']);
    expect(await ids({ from: 1100, to: 1130 })).toEqual(['e10', 'e11', 'e12']);
    expect(await ids({ hasInterventions: true })).toEqual(['e00', 'e05', 'e10', 'e15', 'e20', 'e25']);
    expect((await c.list({ hasInterventions: false })).total).toBe(24);
    const page1 = await c.list({ limit: 7, offset: 0 });
    const page2 = await c.list({ limit: 7, offset: 7 });
    expect(page1.total).toBe(30);
    expect(page1.items.map((r) => r.id)).toEqual(['e29', 'e28', 'e27', 'e26', 'e25', 'e24', 'e23']);
    expect(page2.items[0].id).toBe('e22');
  });
});

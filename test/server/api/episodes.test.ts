import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type preValidationHookHandler } from 'fastify';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { episodesApi } from '../../../server/api/episodes.ts';
import { routeRoles } from '../../../server/api/route-roles.ts';
import { readJournalFile } from '../../../recordings/episode-reader.ts';
import { Recorder } from '../../../recordings/recorder.ts';
import { SqliteCatalog } from '../../../recordings/sqlite-catalog.ts';
import { recoverDataDir } from '../../../recordings/recovery.ts';
import { BytesReadable } from '../../../recordings/file-readable.ts';
import { decompressHandlers } from '../../../recordings/chunk-compression.ts';
import { openRecording } from '../../../server/recording-setup.ts';
import type { Catalog } from '../../../recordings/catalog.ts';
import { makeStep, rng, testMeta } from '../../recordings/fixtures/step-factory.ts';

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;
/** Test double for the server's requireRole: the role comes from an `x-role` header. */
function headerRoleHook(role: keyof typeof RANK): preValidationHookHandler {
  return async (req, reply) => {
    const have = req.headers['x-role'] as keyof typeof RANK | undefined;
    if (!have || !(have in RANK)) return reply.code(401).send({ code: 'TKO_ERR_UNAUTHENTICATED' });
    if (RANK[have] < RANK[role]) return reply.code(403).send({ code: 'TKO_ERR_FORBIDDEN' });
  };
}

let dataDir: string;
let catalog: SqliteCatalog;
let app: FastifyInstance;
const as = (role: string) => ({ 'x-role': role });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tko-api-'));
  catalog = new SqliteCatalog(join(dataDir, 'catalog.sqlite'));
  const rec = new Recorder({ dataDir, catalog });
  const rand = rng(9);
  // a: policy with interventions and a rewind; b: demo on another robot; c: plain policy, later policy version
  rec.beginEpisode(testMeta('a', { startedAt: 1000 }));
  for (let i = 0; i < 40; i++) rec.appendStep(makeStep('a', i, rand, { recovery: undefined }));
  rec.appendEvent('a', { type: 'rewind', t: 0.8, step: 39, fromStep: 39, toStep: 35 });
  rec.endEpisode('a', 'failure');
  rec.beginEpisode(testMeta('b', { kind: 'demo', robotId: 'arm-2', startedAt: 2000 }));
  for (let i = 0; i < 10; i++) rec.appendStep(makeStep('b', i, rand, { source: 'operator', mode: 'INTERVENING', recovery: undefined }));
  rec.endEpisode('b', 'success');
  rec.beginEpisode(testMeta('c', { policyVersion: 'v4', startedAt: 3000 }));
  for (let i = 0; i < 5; i++) rec.appendStep(makeStep('c', i, rand, { source: 'policy', mode: 'AUTONOMOUS', operatorId: null, recovery: undefined, physicsState: [i, 0.5, -1] }));
  rec.endEpisode('c', 'success');
  await rec.close();
  await catalog.insert({ id: 'live', robotId: 'arm-1', task: 'place', seed: 1, policyVersion: 'v4', kind: 'policy', startedAt: 4000, file: 'episodes/live.mcap' });
  app = Fastify();
  await app.register(routeRoles, { requireRole: headerRoleHook });
  await app.register(episodesApi, { catalog, dataDir });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await catalog?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('episodes API', () => {
  it('lists with filters and pagination', async () => {
    const all = await app.inject({ url: '/api/episodes', headers: as('viewer') });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 4, limit: 50, offset: 0 });
    expect(all.json().items.map((e: { id: string }) => e.id)).toEqual(['live', 'c', 'b', 'a']);
    const ids = async (qs: string) => (await app.inject({ url: `/api/episodes?${qs}`, headers: as('viewer') })).json().items.map((e: { id: string }) => e.id);
    expect(await ids('hasInterventions=true')).toEqual(['a']);
    expect(await ids('hasInterventions=false&status=complete')).toEqual(['c', 'b']);
    expect(await ids('kind=demo')).toEqual(['b']);
    expect(await ids('robotId=arm-1&policyVersion=v4')).toEqual(['live', 'c']);
    expect(await ids('outcome=failure')).toEqual(['a']);
    expect(await ids('from=1500&to=3500')).toEqual(['c', 'b']);
    expect(await ids('limit=2&offset=1')).toEqual(['c', 'b']);
    const bad = await app.inject({ url: '/api/episodes?outcome=great', headers: as('viewer') });
    expect(bad.statusCode).toBe(400);
    expect((await app.inject({ url: '/api/episodes' })).statusCode).toBe(401);
  });

  it('shows an episode with its segments and events', async () => {
    const res = await app.inject({ url: '/api/episodes/a', headers: as('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.episode).toMatchObject({ id: 'a', status: 'complete', steps: 40, outcome: 'failure', interventionCount: 3 });
    // the fixture's operator runs are steps 7-9, 17-19, 27-29, then 36-39 are rewound
    expect(body.segments).toEqual([
      { kind: 'policy', fromStep: 0, toStep: 6, steps: 7 },
      { kind: 'operator', fromStep: 7, toStep: 9, steps: 3 },
      { kind: 'policy', fromStep: 10, toStep: 16, steps: 7 },
      { kind: 'operator', fromStep: 17, toStep: 19, steps: 3 },
      { kind: 'policy', fromStep: 20, toStep: 26, steps: 7 },
      { kind: 'operator', fromStep: 27, toStep: 29, steps: 3 },
      { kind: 'policy', fromStep: 30, toStep: 35, steps: 6 },
      { kind: 'rewound', fromStep: 36, toStep: 39, steps: 4 },
    ]);
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['rewind', 'outcome']);
    const live = (await app.inject({ url: '/api/episodes/live', headers: as('viewer') })).json();
    expect(live.segments).toBeNull();
    expect(live.segmentsUnavailable).toMatch(/still recording/);
    expect((await app.inject({ url: '/api/episodes/nope', headers: as('viewer') })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/episodes/..%2Fetc', headers: as('viewer') })).statusCode).toBe(400);
  });

  it('pages through steps with their classes', async () => {
    const res = await app.inject({ url: '/api/episodes/a/steps?offset=30&limit=8', headers: as('viewer') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ episodeId: 'a', total: 40, offset: 30 });
    expect(body.steps.map((s: { step: number }) => s.step)).toEqual([30, 31, 32, 33, 34, 35, 36, 37]);
    expect(body.classes).toEqual(['policy', 'policy', 'policy', 'policy', 'policy', 'policy', 'rewound', 'rewound'].map((k) => (k === 'policy' ? 'robot' : k)));
    expect(body.steps[0].obs.q).toHaveLength(7);
    expect((await app.inject({ url: '/api/episodes/live/steps', headers: as('viewer') })).statusCode).toBe(409);
  });

  it('leaves the simulator state out of steps (it stays in the journal)', async () => {
    const steps = (await app.inject({ url: '/api/episodes/c/steps', headers: as('viewer') })).json().steps as Record<string, unknown>[];
    expect(steps).toHaveLength(5);
    for (const s of steps) expect(s).not.toHaveProperty('physicsState');
    expect((await readJournalFile(join(dataDir, 'episodes', 'c.mcap'))).steps[2].physicsState).toEqual([2, 0.5, -1]);
  });

  it('serves the MCAP file', async () => {
    const res = await app.inject({ url: '/api/episodes/b/file', headers: as('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="b.mcap"');
    expect(res.rawPayload.equals(readFileSync(join(dataDir, 'episodes', 'b.mcap')))).toBe(true);
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(new Uint8Array(res.rawPayload)), decompressHandlers });
    expect(reader.statistics?.messageCount).toBeGreaterThan(30n);
  });

  it('edits outcome, notes and tags (operator and up)', async () => {
    const body = { outcome: 'success', notes: 'judged by hand', tags: ['review'] };
    expect((await app.inject({ method: 'PATCH', url: '/api/episodes/c', headers: as('viewer'), payload: body })).statusCode).toBe(403);
    const ok = await app.inject({ method: 'PATCH', url: '/api/episodes/c', headers: as('operator'), payload: body });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject(body);
    expect((await catalog.get('c'))?.tags).toEqual(['review']);
    expect((await app.inject({ method: 'PATCH', url: '/api/episodes/c', headers: as('operator'), payload: { outcome: 'great' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PATCH', url: '/api/episodes/c', headers: as('operator'), payload: { steps: 3 } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PATCH', url: '/api/episodes/zz', headers: as('operator'), payload: body })).statusCode).toBe(404);
  });

  it('deletes file and row together (admin only), refuses while recording', async () => {
    expect((await app.inject({ method: 'DELETE', url: '/api/episodes/c', headers: as('operator') })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: '/api/episodes/c', headers: as('admin') })).statusCode).toBe(204);
    expect(existsSync(join(dataDir, 'episodes', 'c.mcap'))).toBe(false);
    expect(await catalog.get('c')).toBeNull();
    expect((await app.inject({ method: 'DELETE', url: '/api/episodes/c', headers: as('admin') })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/api/episodes/live', headers: as('admin') })).statusCode).toBe(409);
  });

  it('keeps serving after recovery quarantines a garbage journal', async () => {
    writeFileSync(join(dataDir, 'episodes', 'junk.mcap'), 'definitely not an mcap file');
    const report = await recoverDataDir(dataDir, catalog);
    expect(report.quarantined.map((q) => q.file)).toContain('episodes/junk.mcap');
    const res = await app.inject({ url: '/api/episodes?status=quarantined', headers: as('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((e: { id: string }) => e.id)).toEqual(['live']); // its file never existed
    const detail = (await app.inject({ url: '/api/episodes/live', headers: as('viewer') })).json();
    expect(detail.segmentsUnavailable).toMatch(/quarantined/);
    expect((await app.inject({ url: '/api/episodes/a', headers: as('viewer') })).statusCode).toBe(200);
  });
});

describe('episodes API while another process holds the catalog write lock', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('answers reads at once (200, WAL) and an edit with 503 TKO_ERR_CATALOG_BUSY while the recorder writes behind the lock', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tko-api-lock-'));
    const errors: string[] = [];
    const recording = await openRecording(dir, (e) => errors.push(e.message));
    const rec = recording.recorder;
    const api = Fastify();
    await api.register(routeRoles, { requireRole: headerRoleHook });
    await api.register(episodesApi, { catalog: recording.catalog, dataDir: dir, live: (id) => rec.progress(id) });
    await api.ready();
    const other = new Database(join(dir, 'catalog.sqlite'));
    try {
      const rand = rng(12);
      rec.beginEpisode(testMeta('before', { startedAt: 1000 }));
      for (let i = 0; i < 30; i++) rec.appendStep(makeStep('before', i, rand, { recovery: undefined }));
      rec.endEpisode('before', 'success');
      const statusOf = async (id: string) => (await api.inject({ url: `/api/episodes/${id}`, headers: as('viewer') })).json().episode?.status;
      for (let i = 0; i < 200 && (await statusOf('before')) !== 'complete'; i++) await sleep(10);
      expect(await statusOf('before')).toBe('complete');

      other.exec('BEGIN IMMEDIATE');
      // The recorder records an episode at 50 Hz for about 3 s; its row's insert and finish meet the lock.
      let steps = 0;
      rec.beginEpisode(testMeta('during', { startedAt: 2000 }));
      const ticker = setInterval(() => {
        if (steps < 150) rec.appendStep(makeStep('during', steps++, rand, { recovery: undefined }));
        else if (steps++ === 150) rec.endEpisode('during', 'success');
      }, 20);
      const latencies: number[] = [];
      const until = performance.now() + 3500;
      while (performance.now() < until) {
        for (const url of ['/api/episodes', '/api/episodes/before', '/api/episodes/before/steps?limit=5']) {
          const t = performance.now();
          const res = await api.inject({ url, headers: as('viewer') });
          latencies.push(performance.now() - t);
          if (res.statusCode !== 200) expect({ url, status: res.statusCode, code: res.json().code }).toEqual({ url, status: 503, code: 'TKO_ERR_CATALOG_BUSY' });
        }
        await sleep(100);
      }
      const t = performance.now();
      const edit = await api.inject({ method: 'PATCH', url: '/api/episodes/before', headers: as('operator'), payload: { notes: 'during the lock' } });
      const editMs = performance.now() - t;
      clearInterval(ticker);
      // on a loaded machine the timer may not have reached the end yet: finish the episode by hand
      while (steps < 150) rec.appendStep(makeStep('during', steps++, rand, { recovery: undefined }));
      if (steps === 150) rec.endEpisode('during', 'success');
      expect(Math.max(...latencies)).toBeLessThan(2500); // a busy wait on the thread would show as 5 s here (loaded machines take over 1 s)
      expect(latencies.length).toBeGreaterThanOrEqual(3); // at least one round of reads while the lock was held
      expect(edit.statusCode).toBe(503);
      expect(edit.json().code).toBe('TKO_ERR_CATALOG_BUSY');
      expect(editMs).toBeLessThan(3000);
      expect(rec.stats().catalogPending).toBeGreaterThanOrEqual(1); // at least the insert of 'during' waits

      other.exec('COMMIT');
      for (let i = 0; i < 300 && (await statusOf('during')) !== 'complete'; i++) await sleep(10);
      const during = (await api.inject({ url: '/api/episodes/during', headers: as('viewer') })).json();
      expect(during.episode).toMatchObject({ status: 'complete', steps: 150, outcome: 'success' });
      expect(during.segments.reduce((n: number, s: { steps: number }) => n + s.steps, 0)).toBe(150);
      expect((await api.inject({ url: '/api/episodes/before', headers: as('viewer') })).json().episode.notes).toBe(''); // the 503 wrote nothing
      const again = await api.inject({ method: 'PATCH', url: '/api/episodes/before', headers: as('operator'), payload: { notes: 'after the lock' } });
      expect(again.statusCode).toBe(200);
      expect(again.json().notes).toBe('after the lock');
      expect(errors).toEqual([]);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await api.close();
      await recording.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 TKO_ERR_CATALOG_BUSY, not 500, when a read finds the catalog locked', async () => {
    const locked = async () => {
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    };
    const catalog: Catalog = { insert: locked, finish: locked, upsert: locked, get: locked, list: locked, patch: locked, setStatus: locked, delete: locked, close: async () => {} };
    const api = Fastify();
    await api.register(routeRoles, { requireRole: headerRoleHook });
    await api.register(episodesApi, { catalog, dataDir: '/nonexistent' });
    for (const url of ['/api/episodes', '/api/episodes/x', '/api/episodes/x/steps']) {
      const res = await api.inject({ url, headers: as('viewer') });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('TKO_ERR_CATALOG_BUSY');
    }
    const del = await api.inject({ method: 'DELETE', url: '/api/episodes/x', headers: as('admin') });
    expect(del.statusCode).toBe(503);
    await api.close();
  });
});

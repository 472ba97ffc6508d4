import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../recordings/recorder.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { dataDirLayout } from '../../recordings/data-dir.ts';
import { recoverDataDir } from '../../recordings/recovery.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function setup(opts: { queueLimit?: number } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tko-rec-'));
  dirs.push(dataDir);
  const catalog = new SqliteCatalog(join(dataDir, 'catalog.sqlite'));
  const errors: string[] = [];
  const rec = new Recorder({ dataDir, catalog, onError: (e) => errors.push(e.message), ...opts });
  return { dataDir, catalog, rec, errors };
}

describe('Recorder', () => {
  it('records an episode to a journal and the catalog, off the caller stack', async () => {
    const { dataDir, catalog, rec, errors } = setup();
    const meta = testMeta('ep-1');
    const rand = rng(5);
    rec.beginEpisode(meta);
    const steps = Array.from({ length: 300 }, (_, i) => makeStep('ep-1', i, rand, { recovery: undefined }));
    rec.appendEvent('ep-1', { type: 'reset', t: 0, step: -1 });
    for (const s of steps.slice(0, 100)) rec.appendStep(s);
    // nothing touched the disk inside those calls
    expect(existsSync(join(dataDir, 'episodes', 'ep-1.mcap'))).toBe(false);
    expect(rec.stats()).toMatchObject({ queued: 100, dropped: 0, written: 0 });
    for (const s of steps.slice(100)) rec.appendStep(s);
    rec.appendEvent('ep-1', { type: 'rewind', t: 3, step: 150, fromStep: 150, toStep: 140 });
    rec.endEpisode('ep-1', 'success');
    await rec.close();
    expect(errors).toEqual([]);
    expect(rec.stats()).toMatchObject({ queued: 0, dropped: 0, written: 300, rejected: 0 });
    const j = await readJournalFile(join(dataDir, 'episodes', 'ep-1.mcap'));
    expect(j.meta).toEqual(meta);
    expect(j.steps).toStrictEqual(JSON.parse(JSON.stringify(steps)));
    expect(j.events.map((e) => e.type)).toEqual(['reset', 'rewind', 'outcome']);
    expect(j.end).toMatchObject({ outcome: 'success', steps: 300, dropped: 0 });
    const row = await catalog.get('ep-1');
    expect(row).toMatchObject({ status: 'complete', outcome: 'success', steps: 300, operators: ['ana'], file: 'episodes/ep-1.mcap' });
    // the fixture hands control to the operator at steps 7-9 of every ten; 141..150 are rewound
    expect(row!.interventionOnsets).toEqual([7, 17, 27, 37, 47, 57, 67, 77, 87, 97, 107, 117, 127, 137, 157, 167, 177, 187, 197, 207, 217, 227, 237, 247, 257, 267, 277, 287, 297]);
    expect(row!.interventionSteps).toBe(90 - 3);
    expect(row!.bytes).toBe(rec.stats().bytes);
    expect(existsSync(dataDirLayout(dataDir).lock)).toBe(false);
    await catalog.close();
  });

  it('reports the progress of an episode while it records, and none once it ended', async () => {
    const { catalog, rec } = setup();
    const rand = rng(6);
    rec.beginEpisode(testMeta('ep-p'));
    expect(rec.progress('ep-p')).toBeNull(); // queued, not begun on disk yet
    for (let i = 0; i < 12; i++) rec.appendStep(makeStep('ep-p', i, rand, { recovery: undefined }));
    for (let i = 0; i < 100 && (rec.progress('ep-p')?.steps ?? 0) < 12; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rec.progress('ep-p')).toEqual({ steps: 12, bytes: rec.stats().bytes });
    expect(rec.progress('nope')).toBeNull();
    rec.endEpisode('ep-p', 'success');
    await rec.close();
    expect(rec.progress('ep-p')).toBeNull();
    expect(await catalog.get('ep-p')).toMatchObject({ steps: 12 });
    await catalog.close();
  });

  it('drops and counts steps beyond the queue limit without throwing', async () => {
    const { dataDir, catalog, rec } = setup({ queueLimit: 10 });
    rec.beginEpisode(testMeta('ep-2'));
    const rand = rng(6);
    for (let i = 0; i < 50; i++) rec.appendStep(makeStep('ep-2', i, rand));
    expect(rec.stats()).toMatchObject({ queued: 10, dropped: 40 });
    rec.endEpisode('ep-2', 'failure');
    await rec.close();
    expect(rec.stats()).toMatchObject({ written: 10, dropped: 40 });
    expect(await catalog.get('ep-2')).toMatchObject({ steps: 10, droppedSteps: 40, status: 'complete' });
    expect((await readJournalFile(join(dataDir, 'episodes', 'ep-2.mcap'))).end?.dropped).toBe(40);
    await catalog.close();
  });

  it('rejects and reports steps for unknown episodes or out of order, and bad metas', async () => {
    const { catalog, rec, errors } = setup();
    expect(() => rec.beginEpisode({ ...testMeta('../escape') })).toThrow(/invalid episode meta at \/episodeId/);
    rec.beginEpisode(testMeta('ep-3'));
    expect(() => rec.beginEpisode(testMeta('ep-3'))).toThrow(/already begun/);
    const rand = rng(7);
    rec.appendStep(makeStep('ep-3', 5, rand));
    rec.appendStep(makeStep('ep-3', 5, rand));
    rec.appendStep(makeStep('nope', 0, rand));
    rec.appendStep(undefined as never);
    rec.endEpisode('ep-3', 'timeout');
    await rec.close();
    expect(rec.stats()).toMatchObject({ written: 1, rejected: 3 });
    expect(errors.join('\n')).toMatch(/got step 5 after 5/);
    expect(errors.join('\n')).toMatch(/episode 'nope', which is not being recorded/);
    expect(await catalog.get('ep-3')).toMatchObject({ steps: 1, outcome: 'timeout' });
    rec.appendStep(makeStep('ep-3', 6, rand)); // after close: dropped, no throw
    expect(rec.stats().dropped).toBe(1);
    await catalog.close();
  });

  it('ends episodes still open at close as aborted; close is idempotent; one recorder per data dir', async () => {
    const { dataDir, catalog, rec } = setup();
    expect(() => new Recorder({ dataDir, catalog })).toThrow(/another Recorder in this process/);
    await expect(recoverDataDir(dataDir, catalog)).rejects.toThrow(/recover before creating it/);
    rec.beginEpisode(testMeta('ep-4', { kind: 'demo' }));
    const rand = rng(8);
    for (let i = 0; i < 5; i++) rec.appendStep(makeStep('ep-4', i, rand));
    await rec.close();
    await rec.close();
    expect(await catalog.get('ep-4')).toMatchObject({ status: 'complete', outcome: 'aborted', steps: 5, interventionCount: 0 });
    await catalog.close();
  });
});

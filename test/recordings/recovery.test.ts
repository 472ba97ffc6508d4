import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { recoverDataDir } from '../../recordings/recovery.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { FileReadable } from '../../recordings/file-readable.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { dataDirLayout, ensureDataDir, journalFile } from '../../recordings/data-dir.ts';
import { deleteEpisode } from '../../recordings/episode-delete.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tko-recov-'));
  dirs.push(d);
  ensureDataDir(d);
  return d;
}

/** Writes a journal with `flushes` chunks of 10 steps each; finishes it only if asked. Returns file sizes after each flush. */
async function writeJournal(dir: string, id: string, flushes: number, finish: boolean): Promise<number[]> {
  const meta = testMeta(id);
  const w = new JournalWriter(new FileSink(join(dir, journalFile(id))), meta);
  await w.flush();
  const sizes: number[] = [];
  const rand = rng(11);
  for (let f = 0; f < flushes; f++) {
    for (let i = 0; i < 10; i++) w.writeStep(makeStep(id, f * 10 + i, rand), meta.startedAt + f * 10 + i);
    await w.flush();
    sizes.push(w.bytesWritten);
  }
  if (finish) await w.finish({ endedAt: meta.startedAt + 5000, outcome: 'success', steps: flushes * 10, dropped: 0 });
  else await w.abandon();
  return sizes;
}

async function insertRow(catalog: SqliteCatalog, id: string) {
  const m = testMeta(id);
  await catalog.insert({ id, robotId: m.robotId, task: m.task, seed: m.seed, policyVersion: m.policyVersion, kind: m.kind, startedAt: m.startedAt, file: journalFile(id) });
}

describe('recoverDataDir', () => {
  it('recovers a truncated journal up to its last complete chunk, keeps the original, marks it recovered', async () => {
    const dir = dataDir();
    const catalog = new SqliteCatalog(':memory:');
    const sizes = await writeJournal(dir, 'cut', 5, false);
    await insertRow(catalog, 'cut');
    await catalog.patch('cut', { notes: 'keep me' });
    const path = join(dir, 'episodes', 'cut.mcap');
    truncateSync(path, sizes[3] + Math.floor((sizes[4] - sizes[3]) / 2)); // inside the 5th chunk
    const report = await recoverDataDir(dir, catalog);
    expect(report.recovered).toHaveLength(1);
    expect(report.recovered[0]).toMatchObject({ episodeId: 'cut', steps: 40 });
    expect(report.recovered[0].discardedBytes).toBeGreaterThan(0);
    expect(report.recovered[0].originalKeptAt).toMatch(/^quarantine\/cut\..*\.mcap$/);
    expect(statSync(join(dir, report.recovered[0].originalKeptAt!)).size).toBe(sizes[3] + Math.floor((sizes[4] - sizes[3]) / 2));
    const j = await readJournalFile(path);
    const rand = rng(11);
    expect(j.steps).toStrictEqual(Array.from({ length: 40 }, (_, i) => makeStep('cut', i, rand)).map((s) => JSON.parse(JSON.stringify(s))));
    expect(j.end).toMatchObject({ outcome: 'aborted', steps: 40 });
    expect(await catalog.get('cut')).toMatchObject({ status: 'recovered', steps: 40, outcome: 'aborted', notes: 'keep me', interventionCount: 4 });
    // the recovered file opens in the indexed reader with its summary
    const fr = await FileReadable.open(path);
    const reader = await McapIndexedReader.Initialize({ readable: fr, decompressHandlers });
    expect(reader.chunkIndexes.length).toBeGreaterThan(0);
    expect(reader.schemasById.size).toBeGreaterThan(0);
    await fr.close();
    // a second run finds nothing to do
    const again = await recoverDataDir(dir, catalog);
    expect(again).toMatchObject({ checked: 0, recovered: [], quarantined: [], errors: [] });
  });

  it('reports and quarantines a garbage file and a file cut inside its header, and keeps going', async () => {
    const dir = dataDir();
    const catalog = new SqliteCatalog(':memory:');
    const rand = rng(3);
    writeFileSync(join(dir, 'episodes', 'junk.mcap'), Uint8Array.from({ length: 4000 }, () => Math.floor(rand() * 256)));
    await insertRow(catalog, 'junk');
    await writeJournal(dir, 'stub', 1, false);
    truncateSync(join(dir, 'episodes', 'stub.mcap'), 20); // past the magic, inside the header record
    await writeJournal(dir, 'fine', 2, false); // a recoverable neighbour is still recovered
    const report = await recoverDataDir(dir, catalog);
    expect(report.quarantined.map((q) => q.file).sort()).toEqual(['episodes/junk.mcap', 'episodes/stub.mcap']);
    expect(report.quarantined.find((q) => q.file === 'episodes/junk.mcap')!.reason).toMatch(/bad magic/);
    expect(report.quarantined.find((q) => q.file === 'episodes/stub.mcap')!.reason).toMatch(/no episode metadata/);
    for (const q of report.quarantined) expect(existsSync(join(dir, q.movedTo!))).toBe(true);
    expect(readdirSync(join(dir, 'episodes')).sort()).toEqual(['fine.mcap']);
    expect((await catalog.get('junk'))?.status).toBe('quarantined');
    expect(report.recovered.map((r) => r.episodeId)).toEqual(['fine']);
    expect(await catalog.get('fine')).toMatchObject({ status: 'recovered', steps: 20 }); // row rebuilt from the file alone
  });

  it('indexes finished journals the catalog lost, and flags rows whose file is gone', async () => {
    const dir = dataDir();
    const catalog = new SqliteCatalog(':memory:');
    await writeJournal(dir, 'done', 3, true);
    await insertRow(catalog, 'ghost');
    const report = await recoverDataDir(dir, catalog);
    expect(report.indexed).toEqual(['done']);
    expect(await catalog.get('done')).toMatchObject({ status: 'complete', outcome: 'success', steps: 30, bytes: statSync(join(dir, 'episodes', 'done.mcap')).size });
    expect(report.quarantined).toEqual([{ file: 'episodes/ghost.mcap', reason: 'journal file missing', movedTo: null }]);
    expect((await catalog.get('ghost'))?.status).toBe('quarantined');
  });

  it('settles a delete a crash interrupted, and deletes file and row together', async () => {
    const dir = dataDir();
    const catalog = new SqliteCatalog(':memory:');
    await writeJournal(dir, 'a', 1, true);
    await writeJournal(dir, 'b', 1, true);
    await recoverDataDir(dir, catalog);
    // crash after the rename, before the row delete: the row decides, the file comes back
    const pa = join(dir, 'episodes', 'a.mcap');
    writeFileSync(pa + '.deleting', readFileSync(pa));
    rmSync(pa);
    await recoverDataDir(dir, catalog);
    expect(existsSync(pa)).toBe(true);
    await deleteEpisode(dir, catalog, 'a');
    expect(existsSync(pa)).toBe(false);
    expect(await catalog.get('a')).toBeNull();
    await expect(deleteEpisode(dir, catalog, 'a')).rejects.toThrow(/not found/);
    // a failing row delete leaves the file in place
    // test double: the real catalog, except that deleting a row fails
    const broken = new Proxy(catalog, {
      get(target, prop) {
        if (prop === 'delete') return async () => Promise.reject(new Error('db down'));
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await expect(deleteEpisode(dir, broken, 'b')).rejects.toThrow(/db down/);
    expect(existsSync(join(dir, 'episodes', 'b.mcap'))).toBe(true);
    expect(await catalog.get('b')).not.toBeNull();
  });

  it('refuses to touch a data dir another live process records into', async () => {
    const dir = dataDir();
    writeFileSync(dataDirLayout(dir).lock, String(process.ppid));
    await expect(recoverDataDir(dir, new SqliteCatalog(':memory:'))).rejects.toThrow(new RegExp(`process ${process.ppid}`));
    writeFileSync(dataDirLayout(dir).lock, '999999999'); // a dead pid: stale lock, ignored
    mkdirSync(join(dir, 'episodes'), { recursive: true });
    await expect(recoverDataDir(dir, new SqliteCatalog(':memory:'))).resolves.toMatchObject({ checked: 0 });
  });
});

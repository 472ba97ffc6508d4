import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverDataDir } from '../../recordings/recovery.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { dataDirLayout, ensureDataDir, journalFile } from '../../recordings/data-dir.ts';
import { loadEpisodeSet } from '../../policies/episode-loader.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tko-gaps-'));
  dirs.push(d);
  ensureDataDir(d);
  return d;
}

/** A journal cut by a crash (no footer) with `flushes` chunks of 10 steps; returns the file size after each flush. */
async function writeUnfinished(dir: string, id: string, flushes: number): Promise<number[]> {
  const meta = testMeta(id);
  const w = new JournalWriter(new FileSink(join(dir, journalFile(id))), meta);
  await w.flush();
  const sizes: number[] = [w.bytesWritten];
  const rand = rng(21);
  for (let f = 0; f < flushes; f++) {
    for (let i = 0; i < 10; i++) w.writeStep(makeStep(id, f * 10 + i, rand), meta.startedAt + f * 10 + i);
    await w.flush();
    sizes.push(w.bytesWritten);
  }
  await w.abandon();
  return sizes;
}

const expected = (id: string, n: number) => {
  const rand = rng(21);
  return Array.from({ length: n }, (_, i) => JSON.parse(JSON.stringify(makeStep(id, i, rand))));
};

describe('recovery past damaged chunks', () => {
  it.each([
    ['a chunk whose bytes are damaged (CRC/lz4 fail)', (b: Uint8Array, start: number) => b.fill(0xaa, start + 60, start + 90)],
    ['a chunk whose length field is damaged', (b: Uint8Array, start: number) => b.fill(0xff, start + 1, start + 9)],
  ])('skips %s, keeps the later chunks and marks the gap', async (_name, damage) => {
    const dir = dataDir();
    const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
    try {
      const sizes = await writeUnfinished(dir, 'gap', 6);
      const path = join(dir, 'episodes', 'gap.mcap');
      const bytes = new Uint8Array(readFileSync(path));
      damage(bytes, sizes[2]); // the third chunk: steps 20..29
      writeFileSync(path, bytes);
      const report = await recoverDataDir(dir, catalog);
      expect(report.errors).toEqual([]);
      expect(report.recovered).toHaveLength(1);
      const r = report.recovered[0];
      expect(r.steps).toBe(50);
      expect(r.gaps).toHaveLength(1);
      expect(r.gaps[0].offset).toBe(sizes[2]);
      expect(r.originalKeptAt).toMatch(/^quarantine\//);
      const j = await readJournalFile(path);
      const all = expected('gap', 60);
      expect(j.steps).toStrictEqual([...all.slice(0, 20), ...all.slice(30)]);
      expect(j.gaps).toHaveLength(1);
      expect(await catalog.get('gap')).toMatchObject({ status: 'recovered', steps: 50, tags: ['gaps'] });

      // training leaves gapped episodes out unless asked
      const def = await loadEpisodeSet(dir, {});
      expect(def.episodes).toHaveLength(0);
      expect(def.gapped).toEqual(['gap']);
      const incl = await loadEpisodeSet(dir, {}, { includeGapped: true });
      expect(incl.episodes.map((e) => e.id)).toEqual(['gap']);
    } finally {
      await catalog.close();
    }
  });

  it('a clean cut still ends at the last whole chunk, with no gap', async () => {
    const dir = dataDir();
    const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
    try {
      const sizes = await writeUnfinished(dir, 'cut', 4);
      const path = join(dir, 'episodes', 'cut.mcap');
      writeFileSync(path, readFileSync(path).subarray(0, sizes[3] + 40));
      const report = await recoverDataDir(dir, catalog);
      expect(report.recovered[0]).toMatchObject({ steps: 30, gaps: [] });
      expect((await catalog.get('cut'))!.tags).toEqual([]);
    } finally {
      await catalog.close();
    }
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../server/support/run-cli.ts';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { dataDirLayout, ensureDataDir, journalFile } from '../../recordings/data-dir.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const run = runCli;

/** 30 finished demo episodes of 12 steps; the journal of `ep-13` is then damaged the way a bad disk block would. */
async function dataDirWithOneDamaged(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tko-damaged-'));
  dirs.push(dir);
  ensureDataDir(dir);
  const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
  try {
    for (let e = 0; e < 30; e++) {
      const id = `ep-${String(e).padStart(2, '0')}`;
      const meta = testMeta(id, { kind: 'demo', startedAt: 1_790_000_000_000 + e * 1000 });
      const w = new JournalWriter(new FileSink(path.join(dir, journalFile(id))), meta);
      const rand = rng(e);
      for (let i = 0; i < 12; i++) w.writeStep(makeStep(id, i, rand, { executed: [0.1, 0, 0, 0, 0, 0, 1], recovery: undefined }), meta.startedAt + i * 50);
      await w.finish({ endedAt: meta.startedAt + 600, outcome: 'success', steps: 12, dropped: 0 });
      await catalog.insert({ id, robotId: meta.robotId, task: meta.task, seed: meta.seed, policyVersion: meta.policyVersion, kind: meta.kind, startedAt: meta.startedAt, file: journalFile(id) });
      await catalog.finish(id, { endedAt: meta.startedAt + 600, outcome: 'success', steps: 12, interventionCount: 0, interventionSteps: 0, interventionOnsets: [], operators: [], droppedSteps: 0, bytes: 1, status: 'complete' });
    }
  } finally {
    await catalog.close();
  }
  const bad = path.join(dir, journalFile('ep-13'));
  const bytes = readFileSync(bad);
  bytes.fill(0, 0, 64); // the magic and header gone
  writeFileSync(bad, bytes);
  return dir;
}

describe('a damaged finished journal among 30', () => {
  it('verify names it and exits non-zero; export skips, reports and quarantines it and writes the other 29', async () => {
    const dir = await dataDirWithOneDamaged();
    const v = await run(['recordings', 'verify', '--data-dir', dir, '--json']);
    expect(v.code).toBe(1);
    const report = JSON.parse(v.out);
    expect(report).toMatchObject({ checked: 30, damaged: 1 });
    expect(report.files.filter((f: { status: string }) => f.status === 'damaged').map((f: { file: string }) => f.file)).toEqual(['episodes/ep-13.mcap']);

    const file = path.join(dir, 'out.hdf5');
    const r = await run(['export', '--episodes', 'all', '--out', file, '--data-dir', dir, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ episodes: 29, demos: 29, samples: 29 * 12 });
    expect(summary.damaged).toHaveLength(1);
    expect(summary.damaged[0]).toMatchObject({ id: 'ep-13', movedTo: expect.stringMatching(/^quarantine\/ep-13\./) });
    expect(r.err).toMatch(/skipped damaged ep-13/);
    expect(existsSync(path.join(dir, journalFile('ep-13')))).toBe(false);
    await h5wasm.ready;
    const f = new h5wasm.File(file, 'r');
    try {
      expect(Object.keys((f.get('data') as InstanceType<typeof h5wasm.Group>).keys())).toHaveLength(29);
    } finally {
      f.close();
    }
    const list = JSON.parse((await run(['recordings', 'list', '--status', 'quarantined', '--data-dir', dir, '--json'])).out);
    expect(list.items.map((x: { id: string }) => x.id)).toEqual(['ep-13']);
    expect((await run(['recordings', 'verify', '--data-dir', dir])).code).toBe(0); // what is left is intact
  });

  it('train skips, reports and quarantines it and trains on the other 29', async () => {
    const dir = await dataDirWithOneDamaged();
    const r = await run(['train', '--episodes', 'all', '--epochs', '1', '--hidden', '8', '--data-dir', dir, '--json']);
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.damaged.map((d: { id: string }) => d.id)).toEqual(['ep-13']);
    expect(out.training.episodes.length + out.training.validationEpisodes.length).toBe(29);
    expect(out.summary.episodes).toBe(29);
  }, 120_000);
});

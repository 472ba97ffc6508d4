import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../server/cli/main.ts';
import { Recorder } from '../../../recordings/recorder.ts';
import { SqliteCatalog } from '../../../recordings/sqlite-catalog.ts';
import { makeStep, rng, testMeta } from '../../recordings/fixtures/step-factory.ts';

let dataDir: string;

/** Runs `takeover recordings ...` in-process; returns exit code and what it printed. */
async function takeover(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    const code = await main(['recordings', ...args, '--data-dir', dataDir]);
    return { code, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tko-cli-'));
  const catalog = new SqliteCatalog(join(dataDir, 'catalog.sqlite'));
  const rec = new Recorder({ dataDir, catalog });
  const rand = rng(4);
  for (const [id, robotId, n] of [['x1', 'arm-1', 30], ['x2', 'arm-2', 6]] as const) {
    rec.beginEpisode(testMeta(id, { robotId, startedAt: Date.parse('2026-11-20T10:00:00Z') + n }));
    for (let i = 0; i < n; i++) rec.appendStep(makeStep(id, i, rand, { recovery: undefined }));
    rec.endEpisode(id, 'success');
  }
  await rec.close();
  await catalog.close();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('takeover recordings', () => {
  it('lists as a table and as JSON, with filters', async () => {
    const t = await takeover('list');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^id\s+robot\s+task/);
    expect(t.stdout).toMatch(/x1\s+arm-1\s+place\s+v3\s+policy\s+complete\s+success\s+30\s+3/);
    expect(t.stdout).toMatch(/2 of 2 episode\(s\)/);
    const j = await takeover('list', '--robot', 'arm-2', '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ total: 1, items: [{ id: 'x2', steps: 6 }] });
    expect(JSON.parse((await takeover('list', '--interventions', 'yes', '--since', '2026-11-20T10:00:00.010Z', '--json')).stdout).items.map((r: { id: string }) => r.id)).toEqual(['x1']);
    const bad = await takeover('list', '--interventions', 'maybe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--interventions takes yes or no/);
  });

  it('shows an episode with its segments', async () => {
    const s = await takeover('show', 'x2');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/robotId\s+arm-2/);
    expect(s.stdout).toMatch(/policy\s+steps 0\.\.5 \(6\)/);
    const j = JSON.parse((await takeover('show', 'x1', '--json')).stdout);
    expect(j.segments[1]).toEqual({ kind: 'operator', fromStep: 7, toStep: 9, steps: 3 });
    expect((await takeover('show', 'nope')).code).toBe(1);
  });

  it('recovers (reporting a garbage file) and removes episodes', async () => {
    writeFileSync(join(dataDir, 'episodes', 'bad.mcap'), 'garbage');
    const r = await takeover('recover', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).quarantined[0]).toMatchObject({ file: 'episodes/bad.mcap' });
    const rm = await takeover('rm', 'x2', 'ghost');
    expect(rm.code).toBe(1);
    expect(rm.stdout).toMatch(/deleted x2\nnot deleted: episode 'ghost' not found/);
    expect(existsSync(join(dataDir, 'episodes', 'x2.mcap'))).toBe(false);
    expect(JSON.parse((await takeover('list', '--json')).stdout).total).toBe(1);
    expect((await takeover('frobnicate')).code).toBe(2);
    // a data dir another live process records into is refused with a message, not a stack
    writeFileSync(join(dataDir, 'recorder.lock'), String(process.ppid));
    const busy = await takeover('recover');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(`takeover recordings recover: recovery: data dir ${dataDir} is being recorded into by process ${process.ppid}; stop it first\n`);
    rmSync(join(dataDir, 'recorder.lock'));
  });
});

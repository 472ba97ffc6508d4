import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../server/cli/main.ts';
import { SqliteCatalog } from '../../../recordings/sqlite-catalog.ts';
import { dataDirLayout } from '../../../recordings/data-dir.ts';
import { loadEpisodes } from '../../../policies/episode-loader.ts';
import { makeFeatureSpec } from '../../../policies/observation-features.ts';
import { buildTrainingSet } from '../../../policies/training-set.ts';
import { ScriptedExpert } from '../../../sim/scripted-expert.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'takeover-demos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('takeover demos', () => {
  it('records expert episodes as demos and prints one JSON object', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const code = await main(['demos', '--task', 'lift', '--episodes', '2', '--seed-base', '5', '--data-dir', dir, '--json']).finally(() => spy.mockRestore());
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ task: 'lift', episodes: 2, successes: 2, seed_base: 5 });
    const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
    const { items } = await catalog.list({ kind: 'demo', limit: 10, offset: 0 } as never);
    await catalog.close();
    expect(items.map((e) => e.seed).sort()).toEqual([5, 6]);
    expect(items.every((e) => e.outcome === 'success' && e.steps > 20)).toBe(true);
    // the expert drove the arm through the deployed control loop: every step has the joint targets it sent
    const eps = await loadEpisodes(dir, { kind: 'demo' });
    for (const ep of eps) for (const s of ep.steps) expect(s.jointTargets).toHaveLength(7);
    // and the exact simulator state after it (robomimic's `states`): 175 numbers for the Panda scene
    for (const ep of eps) for (const s of ep.steps) expect(s.physicsState).toHaveLength(175);
  });

  it('--noise: the arm runs a noisy action, the recorded label is the clean expert action (what training uses)', async () => {
    const noisyDir = mkdtempSync(path.join(os.tmpdir(), 'takeover-demos-noise-'));
    try {
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const code = await main(['demos', '--task', 'place', '--episodes', '1', '--seed-base', '3', '--noise', '0.3', '--data-dir', noisyDir, '--json']).finally(() => spy.mockRestore());
      expect(code).toBe(0);
      const [ep] = await loadEpisodes(noisyDir, { kind: 'demo' });
      expect(ep.steps.length).toBeGreaterThan(20);
      // the label differs from what ran on the motion dimensions at (almost) every step
      const differs = ep.steps.filter((s) => s.label && s.executed && s.label.slice(0, 6).some((v, i) => v !== s.executed![i])).length;
      expect(differs).toBeGreaterThan(0.9 * ep.steps.length);
      // and it is the expert's own action for the recorded observation: replay the expert on them
      const expert = new ScriptedExpert('place', { controlHz: 20 });
      expert.reset();
      for (const s of ep.steps) {
        const a = Array.from(expert.act(s.obs as never), (v) => Math.max(-1, Math.min(1, v)));
        expect(s.label).toEqual(a);
      }
      // the training set takes the label as the target
      const { set } = buildTrainingSet([ep], makeFeatureSpec(7, ['cube', 'target']), 'none');
      expect(Array.from(set.actions.slice(0, 7))).toEqual(ep.steps[0].label!.map(Math.fround));
    } finally {
      rmSync(noisyDir, { recursive: true, force: true });
    }
  });

  it('rejects a bad noise sigma with a usage error', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['demos', '--task', 'place', '--noise', '-1', '--data-dir', dir]).finally(() => spy.mockRestore());
    expect(code).toBe(2);
  });

  it('rejects a bad task with a usage error', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['demos', '--task', 'juggle', '--data-dir', dir]).finally(() => spy.mockRestore());
    expect(code).toBe(2);
  });
});

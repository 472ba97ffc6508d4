import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../server/cli/main.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-cli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs `takeover <args>` in-process and returns its exit code and the JSON it printed. */
async function run(args: string[]): Promise<{ code: number; json: Record<string, unknown> | null; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await main(args);
    const text = out.join('').trim();
    return { code, json: text.startsWith('{') ? JSON.parse(text) : null, stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('takeover train / eval', () => {
  it('records real sim expert demos, lowers the validation loss, writes a version, and eval scores it', async () => {
    const t = await run(['train', '--sim-demos', '6', '--task', 'reach', '--epochs', '6', '--hidden', '32,32', '--batch-size', '64', '--seed', '3', '--data-dir', dataDir, '--json']);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const training = t.json!.training as { initialValidationLoss: number; finalValidationLoss: number; episodes: string[]; validationEpisodes: string[]; source: string };
    expect(t.json!.version).toBe('v1');
    expect(training.episodes.length + training.validationEpisodes.length).toBe(6);
    expect(training.source).toMatch(/scripted-expert demos recorded through recordings/);
    expect(training.finalValidationLoss).toBeLessThan(training.initialValidationLoss);
    expect(fs.existsSync(path.join(dataDir, 'policies', 'v1', 'weights.bin'))).toBe(true);
    // --keep-epoch last: the version keeps the last epoch's weights whatever the validation loss did
    const last = await run(['train', '--episodes', 'kind=demo', '--keep-epoch', 'last', '--epochs', '4', '--hidden', '16', '--seed', '3', '--version', 'v1-last', '--data-dir', dataDir, '--json']);
    expect(last.code).toBe(0);
    expect(last.json!.training).toMatchObject({ epochs: 4, keptEpoch: 4 });
    const bad = await run(['train', '--episodes', 'kind=demo', '--keep-epoch', 'first', '--data-dir', dataDir, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--keep-epoch takes best or last, got 'first'/);

    const e = await run(['eval', '--policy', 'v1', '--task', 'reach', '--episodes', '2', '--seed-base', '50', '--data-dir', dataDir, '--json']);
    expect(e.code).toBe(0);
    expect(e.json).toMatchObject({ policy: 'v1', task: 'reach', episodes: 2, seedBase: 50 });
    const ci = e.json!.ci95 as number[];
    expect(ci[0]).toBeLessThanOrEqual(e.json!.successRate as number);
    expect(ci[1]).toBeGreaterThanOrEqual(e.json!.successRate as number);
  });

  it('floors each input std relative to its feature field (place demos: the gripper tilt entries hardly move)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-cli-floor-'));
    try {
      const t = await run(['train', '--sim-demos', '3', '--task', 'place', '--epochs', '1', '--hidden', '8', '--seed', '1', '--version', 'f1', '--data-dir', dir, '--json']);
      expect(t.code).toBe(0);
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'policies', 'f1', 'policy.json'), 'utf8'));
      let at = 0;
      const rot = m.observation.fields.findIndex((f: { name: string }) => f.name === 'eeRot6');
      for (const [i, f] of (m.observation.fields as { name: string; size: number }[]).entries()) {
        const std = (m.normalization.inputStd as number[]).slice(at, (at += f.size));
        for (const s of std) expect(s, f.name).toBeGreaterThanOrEqual(0.1 * Math.max(...std) * (1 - 1e-9));
        // the tilt entries (z of the two columns) are the ones the floor lifts
        if (i === rot) expect(Math.min(std[2], std[5])).toBeGreaterThan(0.005);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);


  it('evaluates a version that has a help model before writing it (--eval-episodes with held-out episodes)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-cli-evalhelp-'));
    try {
      const t = await run(['train', '--sim-demos', '6', '--task', 'reach', '--epochs', '1', '--hidden', '8', '--seed', '1', '--eval-episodes', '1', '--help-rate', '0.1', '--version', 'h1', '--data-dir', dir, '--json']);
      expect(t.stderr).toBe('');
      expect(t.code).toBe(0);
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'policies', 'h1', 'policy.json'), 'utf8'));
      // the evaluation ran the candidate with its help model (ensemble by default) loaded
      expect(m.help?.ensemble).toBeTruthy();
      // --help-rate calibrates the thresholds at that rate
      expect(m.help.rate).toBe(0.1);
      expect(m.help.ensemble.rate).toBe(0.1);
      expect(m.evaluation).toHaveLength(1);
      expect(m.evaluation[0]).toMatchObject({ task: 'reach', episodes: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  it('--help-rollouts plays the candidate and says so when no rollout succeeded to calibrate on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-cli-rollouts-'));
    try {
      // a one-epoch network never reaches: every rollout fails, and no version is written
      const t = await run(['train', '--sim-demos', '4', '--task', 'reach', '--epochs', '1', '--hidden', '8', '--seed', '2', '--help-rollouts', '2', '--version', 'r1', '--data-dir', dir, '--json']);
      expect(t.code).toBe(1);
      expect(t.stderr).toMatch(/none of the 2 rollouts succeeded: nothing to calibrate a help threshold on/);
      expect(fs.existsSync(path.join(dir, 'policies', 'r1'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('names bad flags: an unknown weighting, a missing query, a help rate out of range, an unknown version', async () => {
    expect((await run(['train', '--episodes', 'all', '--weighting', 'dagger', '--data-dir', dataDir])).stderr).toMatch(/unknown weighting 'dagger'/);
    expect((await run(['train', '--data-dir', dataDir])).stderr).toMatch(/--episodes QUERY is required/);
    expect((await run(['train', '--episodes', 'colour=red', '--data-dir', dataDir])).stderr).toMatch(/unknown filter 'colour'/);
    expect((await run(['train', '--sim-demos', '2', '--help-rate', '0.7', '--data-dir', dataDir])).stderr).toMatch(/--help-rate takes .* from 0 to 0\.5, got '0\.7'/);
    expect((await run(['train', '--sim-demos', '2', '--help-rate', 'few', '--data-dir', dataDir])).stderr).toMatch(/--help-rate .* got 'few'/);
    expect((await run(['train', '--sim-demos', '2', '--help-rollouts', '3', '--help-episode-rate', '2', '--data-dir', dataDir])).stderr).toMatch(/--help-episode-rate takes .* from 0 to 1, got '2'/);
    expect((await run(['train', '--sim-demos', '2', '--help-rollouts', '3', '--help-score', 'both', '--data-dir', dataDir])).stderr).toMatch(/--help-rollouts calibrates one raising score/);
    const r = await run(['eval', '--policy', 'v42', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown policy version 'v42'/);
  });
});

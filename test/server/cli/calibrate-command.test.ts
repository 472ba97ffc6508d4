import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { BUILTIN_POLICIES_DIR, PolicyRegistry } from '../../../policies/policy-registry.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-calibrate-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs `takeover <args>` in-process: its exit code, the JSON it printed and its stderr. */
async function run(args: string[]): Promise<{ code: number; json: Record<string, unknown> | null; stderr: string }> {
  const r = await runCli(args);
  const text = r.out.trim();
  return { code: r.code, json: text.startsWith('{') ? JSON.parse(text) : null, stderr: r.err };
}

const file = (version: string, name: string) => fs.readFileSync(path.join(version === 'default' ? BUILTIN_POLICIES_DIR : path.join(dataDir, 'policies'), version, name));

describe('takeover calibrate', () => {
  it("gives the shipped default a failure-risk help model learned on its own rollouts, as a new version with the default's weights", async () => {
    const before = file('default', 'policy.json');
    const r = await run(['calibrate', '--policy', 'default', '--help-rollouts', '30', '--help-score', 'risk', '--help-risk-horizon', '2', '--help-episode-rate', '0.05', '--seed', '1', '--version', 'default-risk', '--data-dir', dataDir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ version: 'default-risk', parentVersion: 'default', task: 'place' });
    const loaded = await new PolicyRegistry({ dataDir }).load('default-risk');
    const m = loaded.manifest;
    expect(m.parentVersion).toBe('default');
    expect(m.help!.raise).toBe('risk');
    // learned from those 30 rollouts, labelled from 2 s (40 ticks at 20 Hz) before each failure shows
    expect(m.help!.risk!.training).toMatchObject({ episodes: 30, seed: 1, horizonTicks: 40 });
    expect(m.help!.risk!.training.failures).toBeGreaterThan(0);
    expect(m.help!.risk!.rollouts).toMatchObject({ episodes: 30, seedBase: 20000, episodeRate: 0.05 });
    expect(loaded.helpRisk!.length).toBeGreaterThan(0);
    // the policy, its training record and its novelty states and ensemble heads are the default's
    for (const f of ['weights.bin', 'help-states.bin', 'help-heads.bin']) expect(file('default-risk', f).equals(file('default', f))).toBe(true);
    const d = await new PolicyRegistry({ dataDir }).load('default');
    expect(m.training).toEqual(d.manifest.training);
    expect(m.normalization).toEqual(d.manifest.normalization);
    // evaluations made with the old help model are not carried over; the default itself is unchanged
    expect(m.evaluation).toEqual([]);
    expect(file('default', 'policy.json').equals(before)).toBe(true);
    // a version is never overwritten, and that is said before any rollout runs
    const again = await run(['calibrate', '--policy', 'default', '--help-rollouts', '30', '--version', 'default-risk', '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--version 'default-risk' already exists; versions are never overwritten");
  }, 240_000);

  it.each([
    [[], '--policy V is required'],
    [['--policy', 'nope', '--help-rollouts', '4'], "--policy 'nope': unknown policy version 'nope'"],
    [['--policy', 'default'], '--help-rollouts N is required'],
    [['--policy', 'default', '--help-rollouts', '4', '--version', 'default'], "--version 'default' already exists"],
    [['--policy', 'default', '--help-rollouts', '4', '--version', '../x'], "--version '../x' is not a valid version name"],
    [['--policy', 'default', '--help-rollouts', '4', '--help-score', 'both'], '--help-rollouts calibrates one raising score'],
    [['--policy', 'default', '--help-rollouts', '4', '--help-risk-horizon', '2'], 'shape the failure-risk model: use them with --help-score risk'],
    [['--policy', 'default', '--help-rollouts', '4', '--task', 'juggle'], 'juggle'],
  ])('refuses %j with a usage error naming the problem', async (extra, message) => {
    const r = await run(['calibrate', ...extra, '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(path.join(dataDir, 'policies', 'v1'))).toBe(false);
  });
});

import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../policies/backend.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { evaluatePolicy } from '../../server/cli/eval-command.ts';

describe('the shipped default policy', () => {
  it('is decent but imperfect on place, and a rerun reproduces its recorded episodes seed by seed', async () => {
    await initBackend({ force: '' });
    const registry = new PolicyRegistry({ dataDir: path.join(os.tmpdir(), 'takeover-no-data') });
    const loaded = await registry.load('default');
    const m = loaded.manifest;
    expect(m.task).toBe('place');
    expect(m.training?.source).toMatch(/scripted-expert demos recorded through recordings/);
    const recorded = m.evaluation.find((e) => e.task === 'place' && e.episodes === 100)!;
    expect(recorded.successRate).toBeGreaterThanOrEqual(0.5);
    expect(recorded.successRate).toBeLessThanOrEqual(0.8);
    expect(recorded.failedSeeds).toHaveLength(100 - recorded.successes);
    // the first 8 seeds of the recorded run, episode by episode
    const rerun = await evaluatePolicy(loaded, { task: 'place', episodes: 8, seedBase: recorded.seedBase });
    const expectedFailed = recorded.failedSeeds!.filter((s) => s < recorded.seedBase + 8);
    expect(rerun.failedSeeds).toEqual(expectedFailed);
  }, 300_000); // 8 physics episodes: generous guard for a loaded 2-core machine, not a speed check
});

import { describe, expect, it } from 'vitest';
import { simHelpRollouts } from '../../../server/cli/help-rollouts.ts';
import { evaluatePolicy } from '../../../server/cli/eval-command.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';

describe('simHelpRollouts', () => {
  it("plays the candidate through the control loop and keeps each rollout's outcome, per-tick scores and features", async () => {
    const p = await new PolicyRegistry({ dataDir: '/nonexistent-takeover-data' }).load('default');
    const run = simHelpRollouts('place', 3, 20000, false);
    const traces = await run(p.manifest, p.weights, { helpStates: p.helpStates, helpHeads: p.helpHeads }, 'ensemble');
    const e = await evaluatePolicy(p, { task: 'place', episodes: 3, seedBase: 20000 });
    expect(traces.map((t) => t.failed)).toEqual([20000, 20001, 20002].map((s) => (e.failedSeeds ?? []).includes(s)));
    expect(traces.reduce((n, t) => n + t.scores.length, 0)).toBe(Math.round(e.meanEpisodeLength * 3));
    for (const t of traces) expect(Array.from(t.scores).every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
    // and the observation features and clock of every tick, for the failure-risk model
    for (const t of traces) {
      expect(t.features!.length).toBe(t.scores.length * p.manifest.observation.dim);
      expect(t.features!.every(Number.isFinite)).toBe(true);
      // the clock starts near 0 at every episode and rises tick by tick
      expect(t.times!.length).toBe(t.scores.length);
      expect(t.times![0]).toBeLessThan(0.2);
      expect(Array.from(t.times!).every((v, i) => i === 0 || v > t.times![i - 1])).toBe(true);
    }
  }, 120_000);
});

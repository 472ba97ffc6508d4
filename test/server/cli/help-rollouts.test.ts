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

  it('with signs: a person watching each rollout records the tick they would first have stepped in, and changes nothing else', async () => {
    const p = await new PolicyRegistry({ dataDir: '/nonexistent-takeover-data' }).load('default');
    const arrays = { helpStates: p.helpStates, helpHeads: p.helpHeads };
    const plain = await simHelpRollouts('place', 2, 20000, false)(p.manifest, p.weights, arrays, 'ensemble');
    const watched = await simHelpRollouts('place', 2, 20000, false, { signs: true })(p.manifest, p.weights, arrays, 'ensemble');
    expect(plain.every((t) => t.firstSign === undefined)).toBe(true);
    expect(watched.map(({ firstSign: _, ...t }) => t)).toEqual(plain);
    // seed 20000 fails alone: the watcher sees it before its end
    expect(watched[0].failed).toBe(true);
    expect(watched[0].firstSign).toBeGreaterThan(0);
    expect(watched[0].firstSign).toBeLessThan(watched[0].scores.length);
    for (const t of watched) expect(Number.isInteger(t.firstSign)).toBe(true);
  }, 120_000);

  it('with corrected: plays the seeds again under a simulated operator and keeps what follows each hand-back', async () => {
    const p = await new PolicyRegistry({ dataDir: '/nonexistent-takeover-data' }).load('default');
    const d = p.manifest.observation.dim;
    const arrays = { helpStates: p.helpStates, helpHeads: p.helpHeads };
    const plain = await simHelpRollouts('place', 3, 20000, false)(p.manifest, p.weights, arrays, 'ensemble');
    const traces = await simHelpRollouts('place', 3, 20000, false, { corrected: true })(p.manifest, p.weights, arrays, 'ensemble');
    // the policy-alone pass first, unchanged
    expect(traces.slice(0, 3)).toEqual(plain);
    const corrected = traces.slice(3);
    // the default policy fails seed 20000 alone (docs/results.md); the operator steps in on it
    expect(plain[0].failed).toBe(true);
    expect(corrected.length).toBeGreaterThanOrEqual(1);
    for (const t of corrected) {
      expect(t.corrected).toBe(true);
      const finite = Array.from({ length: t.scores.length }, (_, i) => Number.isFinite(t.features![i * d]));
      const first = finite.indexOf(true);
      // nothing before the hand-back (those ticks are the policy-alone pass's, or the operator's), the policy's ticks after it
      expect(first).toBeGreaterThan(0);
      expect(finite.slice(first).every(Boolean)).toBe(true);
      expect(Number.isFinite(t.times![first])).toBe(true);
      expect(Number.isNaN(t.times![first - 1])).toBe(true);
    }
    // the corrected episode of seed 20000 leaves the policy-alone path: another state at the same tick, and it ends otherwise
    const c = corrected[0];
    const first = Array.from({ length: c.scores.length }, (_, i) => Number.isFinite(c.features![i * d])).indexOf(true);
    expect(Array.from(c.features!.subarray(first * d, first * d + d))).not.toEqual(Array.from(plain[0].features!.subarray(first * d, first * d + d)));
    expect(c.scores.length).not.toBe(plain[0].scores.length);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../../policies/policy-manifest.ts';
import type { LoopReport, LoopRow } from '../../../server/loop/learning-loop.ts';
import { compareLoopRuns, formatLoopComparison } from '../../../server/loop/loop-comparison.ts';
import { loopScenario } from '../../../server/loop/loop-scenario.ts';

/** An evaluation on seeds 0..9 that failed the given ones. */
const ev = (failed: number[]): Evaluation =>
  ({ episodes: 10, successes: 10 - failed.length, successRate: (10 - failed.length) / 10, failedSeeds: failed, seedBase: 0 }) as unknown as Evaluation;
const row = (round: number, weighting: LoopRow['weighting'], e: Evaluation | null): LoopRow =>
  ({ round, weighting, version: `${weighting}-${round}`, eval: e, deploy: null, trainSeconds: 0, trainSamples: 0, trainWeight: 0 });
const report = (seed: number, rows: LoopRow[]): LoopReport =>
  ({ runId: `r${seed}`, dir: '', options: { ...loopScenario('standard', seed).settings, weightings: ['sirius', 'none'] }, rows });

describe('loop comparison', () => {
  const runs = [
    report(1, [row(0, 'start', ev([0, 1, 2, 3])), row(1, 'sirius', null), row(1, 'none', null), row(2, 'sirius', ev([0])), row(2, 'none', ev([0, 1, 2]))]),
    report(2, [row(0, 'start', ev([0, 1, 2, 3, 4])), row(1, 'sirius', null), row(1, 'none', null), row(2, 'sirius', ev([5])), row(2, 'none', ev([5, 6]))]),
    report(3, [row(0, 'start', ev([9])), row(1, 'sirius', null), row(1, 'none', null), row(2, 'sirius', ev([8])), row(2, 'none', ev([]))]),
  ];
  const c = compareLoopRuns(runs);

  it('summarizes each weighting over the seeds, leaving out rounds that were not evaluated', () => {
    expect(c.seeds).toEqual([1, 2, 3]);
    expect(c.summaries.map((s) => `${s.round}:${s.weighting}`)).toEqual(['0:start', '2:sirius', '2:none']);
    const sirius = c.summaries.find((s) => s.weighting === 'sirius')!;
    expect(sirius.perSeed).toEqual([0.9, 0.9, 0.9]);
    expect(sirius.mean).toBeCloseTo(0.9, 12);
    expect(sirius.lo).toBeCloseTo(0.9, 12); // no spread, no width
  });

  it('pairs weightings by seed: differences in points with a t interval, and episodes only one solved', () => {
    const d = c.comparisons.find((x) => x.a === 'sirius' && x.b === 'none' && x.round === 2)!;
    // per seed: +20, +10, -10 points
    expect(d.points).toBeCloseTo(20 / 3, 9);
    expect(d.seeds).toBe(3);
    expect(d.seedsAAhead).toBe(2);
    expect(d.seedsBAhead).toBe(1);
    const sd = Math.sqrt(((20 - 20 / 3) ** 2 + (10 - 20 / 3) ** 2 + (-10 - 20 / 3) ** 2) / 2);
    expect(d.hi! - d.points).toBeCloseTo(4.303 * (sd / Math.sqrt(3)), 6);
    // seed 1: sirius alone solved 1 and 2; seed 2: 6; seed 3: none alone solved 8
    expect(d.episodesOnlyA).toBe(3);
    expect(d.episodesOnlyB).toBe(1);
    const vsStart = c.comparisons.find((x) => x.a === 'sirius' && x.b === 'start')!;
    expect(vsStart.points).toBeCloseTo((30 + 40 + 0) / 3, 9);
    expect(formatLoopComparison(c)).toContain('| 2 | sirius - none | +6.7 (');
  });

  it('refuses runs that lack a row the others have', () => {
    expect(() => compareLoopRuns([runs[0], report(4, runs[1].rows.slice(0, 3))])).toThrow(/r4 has no round 2 sirius/);
  });
});

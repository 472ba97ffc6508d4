import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../recordings/sqlite-catalog.ts';
import { dataDirLayout } from '../../../recordings/data-dir.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';
import { FINE_TUNE_LEARNING_RATE, loopVersionName, parseLoopVersionName, runLearningLoop } from '../../../server/loop/learning-loop.ts';
import { formatLoopTable } from '../../../server/loop/loop-table.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'takeover-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('learning loop', () => {
  // deploy, record, retrain per weighting and evaluate: about 7 s in a CI run, 63 s once at load average 13-16
  it('runs one round: deploys under the simulated operator, records, retrains per weighting, evaluates', { timeout: 240_000 }, async () => {
    const report = await runLearningLoop({
      dataDir: dir, task: 'place', rounds: 1, episodesPerRound: 3, weightings: ['sirius', 'none'], seed: 3,
      startVersion: 'default', demos: 6, demoSeedBase: 0, evalEpisodes: 3, evalSeedBase: 10000, epochs: 2, rewind: true, warmStart: true,
    });
    expect(report.rows.map((r) => `${r.round}:${r.weighting}`)).toEqual(['0:start', '1:sirius', '1:none']);
    for (const row of report.rows.slice(1)) {
      expect(row.deploy!.episodes).toBe(3);
      expect(row.eval!.episodes).toBe(3);
      expect(row.trainSamples).toBeGreaterThan(100);
      // the report counts the rows the trainer used (positive weight, training split) and their weight
      const t = new PolicyRegistry({ dataDir: report.dir }).manifest(row.version).training!;
      expect(row.trainSamples).toBe(t.samples);
      expect(row.trainWeight).toBeCloseTo(t.trainWeight!, 3);
      expect(row.trainWeight).toBeGreaterThan(0);
    }
    // both weightings met the same scenes, so the same supervision happened on the same starting policy
    expect(report.rows[1].deploy).toEqual(report.rows[2].deploy);

    // everything landed in the run's recordings: demos + 3 deployments per weighting, tagged per branch
    const catalog = new SqliteCatalog(dataDirLayout(report.dir).catalog);
    try {
      const all = await catalog.list({ limit: 1000, offset: 0 } as never);
      expect(all.total).toBe(6 + 2 * 3);
      const sirius = await catalog.list({ tag: `${report.runId}:sirius`, limit: 1000, offset: 0 } as never);
      expect(sirius.total).toBe(6 + 3);
      expect(sirius.items.filter((e) => e.kind === 'policy').every((e) => e.policyVersion === 'default')).toBe(true);
    } finally {
      await catalog.close();
    }
    // the new versions exist, with their lineage and evaluation
    const registry = new PolicyRegistry({ dataDir: report.dir });
    const m = registry.manifest(report.rows[1].version);
    expect(m.parentVersion).toBe('default');
    expect(m.training?.warmStart).toBe(true); // fine-tuned from the round's deployed version
    expect(m.training?.learningRate).toBe(FINE_TUNE_LEARNING_RATE); // the gentler rate a warm start gets unless told
    expect(formatLoopTable(report)).toContain('| 1 | sirius |');
  });
});

describe('loop version names', () => {
  it('name a run\'s start and rounds, and read back only the names the run gives', () => {
    const run = 'loop-job-7';
    expect(loopVersionName(run, { round: 0 })).toBe('loop-job-7-start');
    expect(loopVersionName(run, { round: 2, weighting: 'iwr' })).toBe('loop-job-7-iwr-r2');
    expect(parseLoopVersionName(run, 'loop-job-7-start')).toEqual({ round: 0, weighting: 'start' });
    expect(parseLoopVersionName(run, 'loop-job-7-iwr-r2')).toEqual({ round: 2, weighting: 'iwr' });
    for (const other of ['loop-job-70-iwr-r2', 'loop-job-7-iwr-r0', 'loop-job-7-bc-r1', 'default']) expect(parseLoopVersionName(run, other), other).toBeNull();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { TrainingJobManager, type TrainingJob } from '../../policies/training-jobs.ts';
import { parseEpisodeQuery } from '../../policies/episode-query.ts';
import { runTrainingJob, type TrainingJobSpec } from '../../policies/training-job.ts';
import { recordEpisodes as recordInto } from './recorded-episodes.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Records `n` short episodes into a fresh data dir: demos, and policy episodes with an intervention. */
async function recordEpisodes(n: number): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-jobs-'));
  dirs.push(dataDir);
  const catalog = new SqliteCatalog(path.join(dataDir, 'catalog.sqlite'));
  await recordInto(dataDir, catalog, n);
  await catalog.close();
  return dataDir;
}

describe('episode query', () => {
  it('parses key=value filters and names unknown ones', () => {
    expect(parseEpisodeQuery('task=place,kind=demo')).toEqual({ task: 'place', kind: 'demo' });
    expect(parseEpisodeQuery('all')).toEqual({});
    expect(parseEpisodeQuery('hasInterventions=true from=5')).toEqual({ hasInterventions: true, from: 5 });
    expect(() => parseEpisodeQuery('colour=red')).toThrow(/unknown filter 'colour'/);
    expect(() => parseEpisodeQuery('kind=robot')).toThrow(/episode query: kind/);
    expect(() => parseEpisodeQuery('task')).toThrow(/not key=value/);
  });
});

describe('TrainingJobManager', () => {
  it('trains in a worker thread from recorded episodes and writes a new version', async () => {
    const dataDir = await recordEpisodes(6);
    const jobs = new TrainingJobManager({ dataDir, builtinDir: path.join(dataDir, 'no-builtin') });
    const seen: string[] = [];
    jobs.subscribe((j) => seen.push(`${j.status}:${j.progress?.phase ?? '-'}`));
    const job = jobs.start({ episodes: 'task=place', weighting: 'sirius', epochs: 3, hidden: [16], batchSize: 32, seed: 1 });
    const done: TrainingJob = await jobs.whenDone(job.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.version).toBe('v1');
    expect(seen).toContain('running:training');
    const m = new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'no-builtin') }).manifest('v1');
    expect(m.training?.weighting).toBe('sirius');
    expect(m.training!.episodes.length + m.training!.validationEpisodes.length).toBe(6);
    // 3 demo episodes x 30, 3 policy episodes with 5 intervention and 15 pre-intervention steps each
    expect(m.training?.classes).toEqual({ demo: 90, robot: 30, intervention: 15, preIntervention: 45 });
    // a help model calibrated on the held-out episodes' steps at the default rate: by default the ensemble raises, the novelty is recorded
    expect(m.help).toMatchObject({ method: 'nearest-training-state', rate: 0.02, dim: m.observation.dim, raise: 'ensemble' });
    expect(m.help!.ensemble).toMatchObject({ method: 'ensemble-disagreement', file: 'help-heads.bin', rate: 0.02, dim: m.observation.dim, outputDim: 7 });
    expect(m.help!.ensemble!.heldOutAbove).toBeLessThanOrEqual(Math.floor(0.02 * m.help!.heldOutSteps));
    const loaded = await new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'no-builtin') }).load('v1');
    expect(loaded.helpStates?.length).toBe(m.help!.states * m.help!.dim);
    expect(loaded.helpHeads?.length).toBeGreaterThan(0);
    await jobs.close();
  });

  it("helpScore 'novelty' writes no heads; 'both' calibrates each score at half the rate", async () => {
    const dataDir = await recordEpisodes(6);
    const spec: TrainingJobSpec = { episodes: 'task=place', weighting: 'none', epochs: 1, hidden: [8], batchSize: 32, seed: 1 };
    const opts = { dataDir, builtinDir: path.join(dataDir, 'no-builtin') };
    const { manifest: m } = await runTrainingJob({ ...spec, helpScore: 'novelty' }, opts);
    expect(m.help).toMatchObject({ method: 'nearest-training-state', rate: 0.02, raise: 'novelty' });
    expect(m.help!.ensemble).toBeUndefined();
    expect(fs.readdirSync(path.join(dataDir, 'policies', m.version))).not.toContain('help-heads.bin');
    const { manifest: b } = await runTrainingJob({ ...spec, helpScore: 'both' }, opts);
    expect(b.help).toMatchObject({ rate: 0.01, raise: 'both', ensemble: { rate: 0.01 } });
    expect(b.help!.heldOutAbove + b.help!.ensemble!.heldOutAbove).toBeLessThanOrEqual(Math.floor(0.02 * b.help!.heldOutSteps));
  }, 60_000);

  it('a query matching nothing fails the job with a clear error', async () => {
    const dataDir = await recordEpisodes(1);
    const jobs = new TrainingJobManager({ dataDir });
    const job = jobs.start({ episodes: 'task=lift', weighting: 'none', epochs: 1 });
    const done = await jobs.whenDone(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/no recorded episodes match 'task=lift'/);
  });
});

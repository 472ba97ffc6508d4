import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPgPool } from '../../../database/pg-pool.ts';
import { PgCatalog } from '../../../recordings/pg-catalog.ts';
import { PgPolicyStore } from '../../../policies/pg-policy-store.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';
import { VersionHelpScorer, type PolicyUncertainty } from '../../../policies/version-help-scorer.ts';
import { PgJobQueue } from '../../../server/jobs/pg-job-queue.ts';
import { JobWorker } from '../../../server/jobs/job-worker.ts';
import { runJob } from '../../../server/jobs/job-handlers.ts';
import { useTestPg } from '../../database/embedded-pg.ts';
import { recordEpisodes } from '../../policies/recorded-episodes.ts';
import { EpisodeJournals } from '../../../recordings/episode-journals.ts';
import { untilJob } from './uploaded-cell.ts';

const testPg = useTestPg();
const { cleanup } = testPg;

const TRAIN = { kind: 'training' as const, training: { episodes: 'task=place', weighting: 'sirius' as const, epochs: 2, hidden: [8], batchSize: 32, seed: 1 } };

/** A database with 6 episodes of server 'srv-a' recorded into a fresh data dir. */
async function setup(): Promise<{ url: string; pool: pg.Pool; dataDir: string }> {
  const url = await testPg.server.newDatabase();
  const pool = openPgPool(url);
  cleanup.push(() => pool.end());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tko-worker-'));
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  await recordEpisodes(dataDir, await PgCatalog.open(pool, { serverId: 'srv-a' }), 6);
  return { url, pool, dataDir };
}

describe('jobs on the shared queue (pg-boss)', () => {
  it('a worker trains on the submitting server\'s episodes and publishes one version, with its help model, to the shared store', async () => {
    const { url, pool, dataDir } = await setup();
    const queue = await PgJobQueue.open(pool, url, 'srv-a');
    cleanup.push(() => queue.close());
    const job = await queue.submit(TRAIN);
    expect(job).toMatchObject({ kind: 'training', status: 'queued', serverId: 'srv-a', attempts: 0, version: null });
    const worker = await JobWorker.start({ database: url, dataDir, workerId: 'w1', heartbeatMs: 200, staleMs: 2000 });
    cleanup.push(() => worker.stop());
    const done = await untilJob(queue, job.id, (j) => j.status === 'succeeded' || j.status === 'failed');
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'succeeded', version: 'v1', attempts: 1, runner: 'w1' });
    expect((done.result as { summary: { classes: object } }).summary.classes).toEqual({ demo: 90, robot: 30, intervention: 15, preIntervention: 45 });
    const store = await PgPolicyStore.open(pool, 'srv-b');
    expect((await store.list()).map((m) => m.version)).toEqual(['v1']);
    // another server writes it into its own registry and can load it
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'tko-srv-b-'));
    cleanup.push(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
    const registry = new PolicyRegistry({ dataDir: elsewhere });
    expect(await store.syncInto(registry)).toEqual(['v1']);
    const loaded = await registry.load('v1');
    expect(loaded.manifest.training?.weighting).toBe('sirius');
    // its help model came with it: calibrated on the worker, it asks for help on server B
    const help = loaded.manifest.help!;
    expect(help).toMatchObject({ method: 'nearest-training-state', raise: 'ensemble', ensemble: { method: 'ensemble-disagreement' } });
    expect(loaded.helpStates?.length).toBe(help.states * help.dim);
    expect(loaded.helpHeads?.length).toBeGreaterThan(0);
    const scorer = new VersionHelpScorer(loaded, help);
    const far = new Float32Array(help.dim).fill(50);
    const u: PolicyUncertainty = { score: 0, threshold: 0, method: '', raises: false };
    scorer.scoreInto(far, 0, 0, u);
    expect(u.ensemble).toMatchObject({ raises: true });
    expect(u.ensemble!.score).toBeGreaterThan(u.ensemble!.threshold);
    // a folder whose policy.json names help files it lacks is not stored
    const partial = fs.mkdtempSync(path.join(os.tmpdir(), 'tko-partial-'));
    cleanup.push(() => fs.rmSync(partial, { recursive: true, force: true }));
    fs.cpSync(path.join(registry.root, 'v1'), partial, { recursive: true });
    fs.rmSync(path.join(partial, 'help-heads.bin'));
    await expect(store.publish(partial, { version: 'v9' })).rejects.toThrow(/help-heads\.bin: missing \(policy\.json has a help ensemble\)/);
    // a retried run of the same job makes no second version
    const again = await runJob(TRAIN, { jobId: job.id, serverId: 'srv-a', dataDir, journals: new EpisodeJournals(dataDir), pool, store, signal: new AbortController().signal, onProgress: () => {} });
    expect(again.version).toBe('v1');
    expect(await store.names()).toEqual(['v1']);
  });

  it('cancels a queued job before any worker takes it, and a running one at its next heartbeat', async () => {
    const { url, pool, dataDir } = await setup();
    const queue = await PgJobQueue.open(pool, url, 'srv-a');
    cleanup.push(() => queue.close());
    const queued = await queue.submit(TRAIN);
    expect((await queue.cancel(queued.id))?.status).toBe('cancelled');
    const long = await queue.submit({ kind: 'training', training: { ...TRAIN.training, epochs: 5000 } });
    const worker = await JobWorker.start({ database: url, dataDir, workerId: 'w1', heartbeatMs: 200, staleMs: 2000 });
    cleanup.push(() => worker.stop());
    await untilJob(queue, long.id, (j) => j.status === 'running' && (j.progress as { phase?: string } | null)?.phase === 'training');
    await queue.cancel(long.id);
    const end = await untilJob(queue, long.id, (j) => j.status !== 'running');
    expect(end.status).toBe('cancelled');
    expect((await queue.get(queued.id))?.attempts).toBe(0); // never ran
    expect(await (await PgPolicyStore.open(pool, 'x')).names()).toEqual([]);
  });

  it('a job that fails is retried, then reported failed with its error', async () => {
    const { url, pool, dataDir } = await setup();
    const queue = await PgJobQueue.open(pool, url, 'srv-a', { retries: 1 });
    cleanup.push(() => queue.close());
    const job = await queue.submit({ kind: 'training', training: { ...TRAIN.training, episodes: 'task=lift' } });
    const worker = await JobWorker.start({ database: url, dataDir, workerId: 'w1', heartbeatMs: 200, staleMs: 2000 });
    cleanup.push(() => worker.stop());
    const done = await untilJob(queue, job.id, (j) => j.status === 'failed');
    expect(done.attempts).toBe(2);
    expect(done.error).toMatch(/no recorded episodes match 'task=lift'/);
  });
});

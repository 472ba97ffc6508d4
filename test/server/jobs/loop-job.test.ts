// Learning-loop jobs on the shared queue (pg-boss on embedded PostgreSQL), run by a worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPgPool } from '../../../database/pg-pool.ts';
import { PgPolicyStore } from '../../../policies/pg-policy-store.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';
import { EpisodeJournals } from '../../../recordings/episode-journals.ts';
import { runJob } from '../../../server/jobs/job-handlers.ts';
import { JobWorker } from '../../../server/jobs/job-worker.ts';
import { loopRunIdOf } from '../../../server/jobs/loop-job.ts';
import { PgJobQueue } from '../../../server/jobs/pg-job-queue.ts';
import { useTestPg } from '../../database/embedded-pg.ts';
import { untilJob } from './uploaded-cell.ts';

const testPg = useTestPg();
const { cleanup } = testPg;

const SMALL = { task: 'place' as const, rounds: 1, episodesPerRound: 2, weightings: ['none' as const], seed: 3, demos: 4, evalEpisodes: 2, epochs: 2 };

describe('loop jobs', () => {
  // a loop deploys, records, retrains and evaluates in the simulator: seconds, more on a loaded machine
  it('a worker runs the loop into loops/loop-<job id>/, replacing what an interrupted run left, and publishes its version once; a cancel stops a running one', { timeout: 300_000 }, async () => {
    const url = await testPg.server.newDatabase();
    const pool = openPgPool(url);
    cleanup.push(() => pool.end());
    const workerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tko-loop-worker-'));
    cleanup.push(() => fs.rmSync(workerDir, { recursive: true, force: true }));
    const queue = await PgJobQueue.open(pool, url, 'srv-a', { retries: 0 });
    cleanup.push(() => queue.close());
    const job = await queue.submit({ kind: 'loop', loop: SMALL });
    expect(job).toMatchObject({ kind: 'loop', status: 'queued' });
    // what a run killed mid-way left behind: the retried run starts that folder again
    const runDir = path.join(workerDir, 'loops', loopRunIdOf(job.id));
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'left-by-a-lost-run'), '');
    const worker = await JobWorker.start({ database: url, dataDir: workerDir, workerId: 'w1', heartbeatMs: 200, staleMs: 2000 });
    cleanup.push(() => worker.stop());
    const done = await untilJob(queue, job.id, (j) => j.status === 'succeeded' || j.status === 'failed', 240_000);
    expect(done.error).toBeNull();
    const report = done.result as { runId: string; dir: string; rows: Array<{ round: number; weighting: string; version: string; deploy: { episodes: number } | null; eval: { episodes: number } }> };
    expect(report.runId).toBe(loopRunIdOf(job.id));
    expect(report.dir).toBe(runDir);
    expect(report.rows.map((r) => `${r.round}:${r.weighting}`)).toEqual(['0:start', '1:none']);
    expect(report.rows[1]).toMatchObject({ version: `${report.runId}-none-r1`, deploy: { episodes: 2 }, eval: { episodes: 2 } });
    expect(done.progress).toMatchObject({ phase: 'evaluating', round: 1, weighting: 'none', total: 1 });
    expect(fs.readdirSync(path.join(workerDir, 'loops'))).toEqual([report.runId]);
    expect(fs.existsSync(path.join(runDir, 'left-by-a-lost-run'))).toBe(false);
    expect(new PolicyRegistry({ dataDir: runDir }).manifest(report.rows[1].version).parentVersion).toBe('default');
    // the version it made is published to the shared store, with where in the run it came from
    const published = [{ round: 1, weighting: 'none', local: report.rows[1].version, version: 'v1', parentVersion: 'default' }];
    expect((done.result as { published?: unknown }).published).toEqual(published);
    const store = await PgPolicyStore.open(pool, 'srv-b');
    expect(await store.names()).toEqual(['v1']);
    // another server loads it with the loop's evaluation and its help model
    const elsewhere = new PolicyRegistry({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tko-loop-srv-b-')) });
    cleanup.push(() => fs.rmSync(path.dirname(elsewhere.root), { recursive: true, force: true }));
    expect(await store.syncInto(elsewhere)).toEqual(['v1']);
    const v1 = await elsewhere.load('v1');
    expect(v1.manifest).toMatchObject({ parentVersion: 'default', evaluation: [report.rows[1].eval], training: { weighting: 'none', source: `takeover loop ${report.runId} round 1` } });
    expect(v1.helpStates?.length).toBe(v1.manifest.help!.states * v1.manifest.help!.dim);
    // a retried run of the job finds its versions published: it runs nothing and publishes nothing again
    const again = await runJob({ kind: 'loop', loop: SMALL }, { jobId: job.id, serverId: 'srv-a', dataDir: workerDir, journals: new EpisodeJournals(workerDir), pool, store, signal: new AbortController().signal, onProgress: () => {} });
    expect(again).toEqual({ version: null, result: { runId: report.runId, reused: true, published } });
    expect(await store.names()).toEqual(['v1']);

    const long = await queue.submit({ kind: 'loop', loop: { ...SMALL, rounds: 20, episodesPerRound: 50 } });
    await untilJob(queue, long.id, (j) => j.status === 'running' && (j.progress as { phase?: string } | null)?.phase === 'deploying', 240_000);
    await queue.cancel(long.id);
    const end = await untilJob(queue, long.id, (j) => j.status !== 'running', 120_000);
    expect(end.status).toBe('cancelled');
    expect(await store.names()).toEqual(['v1']); // a cancelled loop publishes nothing
  });
});

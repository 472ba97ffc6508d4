// A `takeover worker` process SIGKILLed mid-job, for an export job and a loop job: another worker
// takes the retried job and exactly one set of outputs appears (docs/deployment.md, "Jobs"). One
// embedded PostgreSQL and one s3rver, the NAMED TEST DOUBLE for S3
// (test/recordings/fixtures/s3-double.ts), serve the whole file.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgPool } from '../../../database/pg-pool.ts';
import { PgPolicyStore } from '../../../policies/pg-policy-store.ts';
import { PgCatalog } from '../../../recordings/pg-catalog.ts';
import { exportDirOf } from '../../../server/jobs/export-job.ts';
import { isFinalStatus, type JobView } from '../../../server/jobs/job-spec.ts';
import { loopRunIdOf } from '../../../server/jobs/loop-job.ts';
import { PgJobQueue } from '../../../server/jobs/pg-job-queue.ts';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { recordEpisodes } from '../../policies/recorded-episodes.ts';
import { BUCKET, startS3Double, useS3CredentialsEnv, type S3Double } from '../../recordings/fixtures/s3-double.ts';
import { exited, killStarted, takeover, waitFor, type Proc } from './takeover-processes.ts';
import { untilJob } from './uploaded-cell.ts';

let pgServer: TestPg;
let s3: S3Double;
let dir: string;
useS3CredentialsEnv(); // the workers inherit them, as a deployment's environment gives them
beforeAll(async () => {
  [pgServer, s3] = await Promise.all([startTestPg(), startS3Double()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tko-kill-'));
});
afterAll(async () => {
  killStarted();
  await Promise.all([pgServer?.stop(), s3?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A fresh database and a queue on it for server 'cell-a'. */
async function shared(): Promise<{ url: string; pool: pg.Pool; queue: PgJobQueue }> {
  const url = await pgServer.newDatabase();
  const pool = openPgPool(url);
  cleanup.push(() => pool.end());
  const queue = await PgJobQueue.open(pool, url, 'cell-a', { retries: 2 });
  cleanup.push(() => queue.close());
  return { url, pool, queue };
}

type WorkerId = 'w1' | 'w2';

/**
 * Two `takeover worker`s, started together (one takes seconds to start): one takes the job, the
 * other its retry. Each gives up another's run after 6 s without a heartbeat (2 s was once
 * outlasted by a live worker's heartbeat on a loaded 2-core machine: the job ran three times).
 */
async function twoWorkers(url: string, dataDir: Record<WorkerId, string>, config?: string): Promise<Record<WorkerId, Proc>> {
  const start = (id: WorkerId) => takeover(['worker', '--database', url, '--data-dir', dataDir[id], '--worker-id', id, '--heartbeat-ms', '200', '--stale-ms', '6000', ...(config ? ['--config', config] : [])]);
  const [w1, w2] = await Promise.all([start('w1'), start('w2')]);
  return { w1, w2 };
}

/** SIGKILLs the worker running `job` and waits for it to be gone; names it and the other. */
async function killRunner(job: JobView, workers: Record<WorkerId, Proc>): Promise<{ killed: WorkerId; other: WorkerId }> {
  const killed = job.runner as WorkerId;
  workers[killed].child.kill('SIGKILL');
  expect(await exited(workers[killed].child, 30_000), `worker ${killed} on SIGKILL:\n${workers[killed].log()}`).toBe('SIGKILL');
  return { killed, other: killed === 'w1' ? 'w2' : 'w1' };
}

/** Stops a worker as an operator would (SIGTERM): it exits 0. */
async function stop(id: WorkerId, workers: Record<WorkerId, Proc>): Promise<void> {
  workers[id].child.kill('SIGTERM');
  expect(await exited(workers[id].child, 60_000), `worker ${id} on SIGTERM:\n${workers[id].log()}`).toBe(0);
}

async function succeeded(queue: PgJobQueue, id: string, w: Proc): Promise<JobView> {
  const j = await untilJob(queue, id, (x) => x.status === 'succeeded' || x.status === 'failed', 240_000);
  expect(j.error, w.log()).toBeNull();
  return j;
}

type Progress = { phase?: string; done?: number; total?: number; round?: number } | null;

describe('a worker killed mid-job', () => {
  it('export: the retried job runs on another worker, which replaces what the lost run left; one export folder, one file in the store', { timeout: 300_000 }, async () => {
    const { url, pool, queue } = await shared();
    // a cell's journals on a disk both workers mount; 240 short episodes take the export seconds
    // to read, so a kill at a progress report from its first half lands mid-job
    const cellDir = path.join(dir, 'cell-a');
    await recordEpisodes(cellDir, await PgCatalog.open(pool, { serverId: 'cell-a' }), 240);
    const config = path.join(dir, 'worker-export.json');
    fs.writeFileSync(config, JSON.stringify({ objectStore: { bucket: BUCKET, prefix: 'kill/', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true } }));
    const workers = await twoWorkers(url, { w1: cellDir, w2: cellDir }, config);
    const job = await queue.submit({ kind: 'export', export: { episodes: 'task=place', format: 'robomimic' } });
    const seen = await untilJob(queue, job.id, (j) => {
      const p = j.progress as Progress;
      return isFinalStatus(j.status) || (j.status === 'running' && p?.phase === 'loading' && p.done! < p.total! / 2);
    }, 120_000);
    const { other } = await killRunner(seen, workers);
    expect(seen).toMatchObject({ status: 'running', attempts: 1, progress: { phase: 'loading', total: 240 } });
    // the lost run left its staging folder and wrote no output
    const exports = path.join(cellDir, 'exports');
    expect(fs.readdirSync(exports)).toEqual([`.${job.id}.part`]);

    const done = await succeeded(queue, job.id, workers[other]);
    expect(done).toMatchObject({ status: 'succeeded', runner: other, attempts: 2, version: null });
    const result = done.result as { episodes: number; objects: { key: string; size: number; sha256: string }[] };
    expect(result.episodes).toBe(240);
    expect(fs.readdirSync(exports)).toEqual([job.id]);
    const file = path.join(exportDirOf(cellDir, job.id), 'episodes.hdf5');
    expect(fs.readdirSync(exportDirOf(cellDir, job.id))).toEqual(['episodes.hdf5']);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'kill/exports/' }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([`kill/exports/${job.id}/episodes.hdf5`]);
    expect(result.objects).toEqual([{ key: `kill/exports/${job.id}/episodes.hdf5`, size: fs.statSync(file).size, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(await s3.digest(result.objects[0].key)).toEqual({ size: result.objects[0].size, sha256: result.objects[0].sha256 });
    await stop(other, workers);
  });

  it('loop: the retried job runs again on another machine and publishes one set of versions, its lineage in the store\'s names', { timeout: 300_000 }, async () => {
    const { url, pool, queue } = await shared();
    // each worker on its own machine (data dir): a loop needs no cell's journals
    const dataDir = { w1: path.join(dir, 'gpu-1'), w2: path.join(dir, 'gpu-2') };
    const workers = await twoWorkers(url, dataDir);
    // the discriminating scenario trains its own start and warm-starts each round from the last:
    // every version but the start has a parent the loop made
    const loop = { scenario: 'discriminating' as const, task: 'place' as const, rounds: 2, episodesPerRound: 2, weightings: ['sirius' as const, 'none' as const], seed: 3, demos: 4, epochs: 2, evalEpisodes: 2 };
    const job = await queue.submit({ kind: 'loop', loop });
    // killed once it is past its start (trained and evaluated) and into the rounds
    const seen = await untilJob(queue, job.id, (j) => isFinalStatus(j.status) || (j.status === 'running' && ((j.progress as Progress)?.round ?? 0) >= 1), 180_000);
    const { killed, other } = await killRunner(seen, workers);
    expect(seen).toMatchObject({ status: 'running', attempts: 1 });
    const runId = loopRunIdOf(job.id);
    // the lost run had made its start version, and published nothing
    expect(fs.readdirSync(path.join(dataDir[killed], 'loops', runId, 'policies'))).toContain(`${runId}-start`);
    const store = await PgPolicyStore.open(pool, 'cell-a');
    expect(await store.names()).toEqual([]);

    const done = await succeeded(queue, job.id, workers[other]);
    expect(done).toMatchObject({ status: 'succeeded', runner: other, attempts: 2, version: null });
    const local = (w: string) => `${runId}-${w}`;
    const published = [
      { round: 0, weighting: 'start', local: local('start'), version: 'v1', parentVersion: null },
      { round: 1, weighting: 'sirius', local: local('sirius-r1'), version: 'v2', parentVersion: 'v1' },
      { round: 1, weighting: 'none', local: local('none-r1'), version: 'v3', parentVersion: 'v1' },
      { round: 2, weighting: 'sirius', local: local('sirius-r2'), version: 'v4', parentVersion: 'v2' },
      { round: 2, weighting: 'none', local: local('none-r2'), version: 'v5', parentVersion: 'v3' },
    ];
    const result = done.result as { dir: string; published: unknown; rows: Array<{ version: string }> };
    expect(result.published).toEqual(published);
    expect(result.dir).toBe(path.join(dataDir[other], 'loops', runId));
    expect(result.rows.map((r) => r.version)).toEqual(published.map((p) => p.local));
    // one set: every stored version is this job's, each once
    const rows = await pool.query('SELECT version, parent_version, job_id, job_output FROM policy_versions ORDER BY version');
    expect(rows.rows).toEqual(published.map((p) => ({ version: p.version, parent_version: p.parentVersion, job_id: job.id, job_output: p.local })));
    await stop(other, workers);
  });
});

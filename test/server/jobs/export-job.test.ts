// Export jobs on the shared queue (pg-boss on embedded PostgreSQL), run by a `takeover worker`
// whose machine holds none of the cell's journals: it reads them from the object store, for which
// s3rver is the NAMED TEST DOUBLE (test/recordings/fixtures/s3-double.ts).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PgPolicyStore } from '../../../policies/pg-policy-store.ts';
import { EpisodeJournals } from '../../../recordings/episode-journals.ts';
import { S3ObjectStore } from '../../../recordings/s3-object-store.ts';
import { exportDirOf, runExportJob } from '../../../server/jobs/export-job.ts';
import { JobWorker } from '../../../server/jobs/job-worker.ts';
import { PgJobQueue } from '../../../server/jobs/pg-job-queue.ts';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { startS3Double, useS3CredentialsEnv, type S3Double } from '../../recordings/fixtures/s3-double.ts';
import { cellWithUploadedJournals, tempDir, untilJob } from './uploaded-cell.ts';

let server: TestPg;
let s3: S3Double;
useS3CredentialsEnv();
beforeAll(async () => {
  [server, s3] = await Promise.all([startTestPg(), startS3Double()]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), s3?.close()]);
});
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const files = (dir: string) => fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();

describe('export jobs', () => {
  it('a worker exports robomimic from store journals into exports/<job id>/ and copies it to the store under that id', async () => {
    const { url, pool, objectStore } = await cellWithUploadedJournals(server, s3, 'exp-a/', cleanup);
    const queue = await PgJobQueue.open(pool, url, 'srv-a', { retries: 0 });
    cleanup.push(() => queue.close());
    const workerDir = tempDir('gpu-host', cleanup);
    const worker = await JobWorker.start({ database: url, dataDir: workerDir, objectStore, workerId: 'gpu-1', heartbeatMs: 200, staleMs: 2000 });
    cleanup.push(() => worker.stop());
    const job = await queue.submit({ kind: 'export', export: { episodes: 'task=place', format: 'robomimic' } });
    expect(job).toMatchObject({ kind: 'export', status: 'queued', serverId: 'srv-a' });
    const done = await untilJob(queue, job.id, (j) => j.status === 'succeeded' || j.status === 'failed');
    expect(done.error).toBeNull();
    const dir = exportDirOf(workerDir, job.id);
    expect(done).toMatchObject({ status: 'succeeded', version: null, runner: 'gpu-1', progress: { phase: 'uploading', done: 1, total: 1 } });
    expect(done.result).toMatchObject({ format: 'robomimic', episodes: 6, written: 6, demos: 6, samples: 180, dir, file: path.join(dir, 'episodes.hdf5'), damaged: [], gapped: [] });
    // one output, nothing left staged
    expect(fs.readdirSync(path.join(workerDir, 'exports'))).toEqual([job.id]);
    expect(files(dir)).toEqual(['episodes.hdf5']);
    const objects = (done.result as { objects: { key: string; size: number; sha256: string }[] }).objects;
    expect(objects).toEqual([{ key: `exp-a/exports/${job.id}/episodes.hdf5`, size: fs.statSync(path.join(dir, 'episodes.hdf5')).size, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(await s3.digest(objects[0].key)).toEqual({ size: objects[0].size, sha256: objects[0].sha256 });
    // an export makes no policy version
    expect(await (await PgPolicyStore.open(pool, 'srv-b')).names()).toEqual([]);
  });

  it('a retried run replaces its own output (staged, then renamed) and the same keys: one output per job', async () => {
    const { pool, objectStore } = await cellWithUploadedJournals(server, s3, 'exp-b/', cleanup);
    const workerDir = tempDir('gpu-host', cleanup);
    const store = new S3ObjectStore(objectStore);
    cleanup.push(() => store.close());
    const jobId = '7d1f6c1e-0000-4000-8000-000000000001';
    const ctx = { jobId, serverId: 'srv-a', dataDir: workerDir, journals: new EpisodeJournals(workerDir, store), pool, store: await PgPolicyStore.open(pool, 'w'), onProgress: () => {} };
    // a run killed mid-write left its staging folder behind
    const staged = path.join(workerDir, 'exports', `.${jobId}.part`);
    fs.mkdirSync(staged, { recursive: true });
    fs.writeFileSync(path.join(staged, 'half-written.parquet'), 'partial');
    const spec = { episodes: 'task=place', format: 'lerobot' as const };
    const first = await runExportJob(spec, { ...ctx, signal: new AbortController().signal });
    const dir = exportDirOf(workerDir, jobId);
    const once = files(dir);
    expect(once).not.toContain('half-written.parquet');
    expect(once.length).toBeGreaterThan(2);
    const second = await runExportJob(spec, { ...ctx, signal: new AbortController().signal });
    expect(fs.readdirSync(path.join(workerDir, 'exports'))).toEqual([jobId]);
    expect(files(dir)).toEqual(once);
    const keys = (r: typeof first) => (r.result.objects as { key: string }[]).map((o) => o.key);
    expect(keys(second)).toEqual(keys(first));
    expect(keys(first)).toEqual(once.map((f) => `exp-b/exports/${jobId}/${f}`));
  });

  it('a cancelled run stops before it writes its output and leaves nothing staged', async () => {
    const { pool, objectStore } = await cellWithUploadedJournals(server, s3, 'exp-c/', cleanup);
    const workerDir = tempDir('gpu-host', cleanup);
    const store = new S3ObjectStore(objectStore);
    cleanup.push(() => store.close());
    const ac = new AbortController();
    const seen: unknown[] = [];
    // cancelled while reading the third episode (the worker aborts the signal at a heartbeat)
    const onProgress = (p: Record<string, unknown>) => {
      seen.push(p);
      if (p.done === 3) ac.abort();
    };
    const ctx = { jobId: 'job-cancel', serverId: 'srv-a', dataDir: workerDir, journals: new EpisodeJournals(workerDir, store), pool, store: await PgPolicyStore.open(pool, 'w'), onProgress, signal: ac.signal };
    await expect(runExportJob({ episodes: 'task=place', format: 'robomimic' }, ctx)).rejects.toThrow(/^cancelled$/);
    expect(seen.at(-1)).toEqual({ phase: 'loading', done: 3, total: 6 });
    expect(fs.readdirSync(path.join(workerDir, 'exports'))).toEqual([]);
  });

  it('without a store a worker that cannot read the journals fails naming the episodes; a query nothing matches fails saying so', async () => {
    const { url, pool } = await cellWithUploadedJournals(server, s3, 'exp-d/', cleanup);
    const queue = await PgJobQueue.open(pool, url, 'srv-a', { retries: 0 });
    cleanup.push(() => queue.close());
    const workerDir = tempDir('no-store', cleanup);
    const worker = await JobWorker.start({ database: url, dataDir: workerDir, workerId: 'w1', heartbeatMs: 200, staleMs: 2000 });
    cleanup.push(() => worker.stop());
    const a = await queue.submit({ kind: 'export', export: { episodes: 'task=place', format: 'mcap-foxglove' } });
    const b = await queue.submit({ kind: 'export', export: { episodes: 'task=lift', format: 'robomimic' } });
    // a query that does not parse never reaches a worker
    await expect(queue.submit({ kind: 'export', export: { episodes: 'colour=red', format: 'robomimic' } })).rejects.toThrow(/^export: .*unknown filter 'colour'/);
    expect((await queue.list()).length).toBe(2);
    const failedA = await untilJob(queue, a.id, (j) => j.status === 'failed' || j.status === 'succeeded');
    expect(failedA.error).toMatch(/^6 selected episode\(s\) could not be read here, nothing was exported: episode ep-5: its journal is not on this server's disk; it was uploaded as 'exp-d\/episodes\/ep-5\.mcap', and no objectStore is configured here to fetch it; .*; and 1 more$/);
    const failedB = await untilJob(queue, b.id, (j) => j.status === 'failed' || j.status === 'succeeded');
    expect(failedB.error).toBe("no finished episode matches 'task=lift'");
    expect(fs.readdirSync(path.join(workerDir, 'exports'))).toEqual([]);
  });
});

// A worker on another machine reads journals from the object store (docs/deployment.md, "Object
// storage"): s3rver is the NAMED TEST DOUBLE for S3 (test/recordings/fixtures/s3-double.ts), and
// the cell's journals are gone from its disk after their verified upload (keepLocal: false).
import fs from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PgPolicyStore } from '../../../policies/pg-policy-store.ts';
import { PgCatalog } from '../../../recordings/pg-catalog.ts';
import type { ObjectStoreConfig } from '../../../server/config/config-schema.ts';
import { JobWorker } from '../../../server/jobs/job-worker.ts';
import { PgJobQueue } from '../../../server/jobs/pg-job-queue.ts';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { BUCKET, startS3Double, useS3CredentialsEnv, type S3Double } from '../../recordings/fixtures/s3-double.ts';
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

const TRAIN = { kind: 'training' as const, training: { episodes: 'task=place', weighting: 'sirius' as const, epochs: 2, hidden: [8], batchSize: 32, seed: 1 } };

/** The cell's queue, and a worker on a machine with none of the cell's files (its own empty data dir). */
async function queueAndWorker(url: string, pool: pg.Pool, objectStore: ObjectStoreConfig): Promise<{ queue: PgJobQueue; workerDir: string }> {
  const queue = await PgJobQueue.open(pool, url, 'srv-a', { retries: 0 });
  cleanup.push(() => queue.close());
  const workerDir = tempDir('gpu-host', cleanup);
  const worker = await JobWorker.start({ database: url, dataDir: workerDir, objectStore, workerId: 'gpu-1', heartbeatMs: 200, staleMs: 2000 });
  cleanup.push(() => worker.stop());
  return { queue, workerDir };
}

describe('a worker elsewhere trains on journals in the object store', () => {
  it('fetches the uploaded journals into its cache, checked, and publishes the version', async () => {
    const { url, pool, objectStore } = await cellWithUploadedJournals(server, s3, 'lab-ok/', cleanup);
    const { queue, workerDir } = await queueAndWorker(url, pool, objectStore);
    const job = await queue.submit(TRAIN);
    const done = await untilJob(queue, job.id, (j) => j.status === 'succeeded' || j.status === 'failed');
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'succeeded', version: 'v1', runner: 'gpu-1' });
    // the same set as from the cell's own disk (job-worker.test.ts)
    expect((done.result as { summary: { classes: object } }).summary.classes).toEqual({ demo: 90, robot: 30, intervention: 15, preIntervention: 45 });
    expect(fs.readdirSync(path.join(workerDir, 'cache', 'episodes')).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `ep-${i}.mcap`));
    expect(await (await PgPolicyStore.open(pool, 'srv-b')).names()).toEqual(['v1']);
  });

  it('a store copy that differs from the recorded SHA-256 fails the job with an error naming the episode', async () => {
    const { url, pool, objectStore } = await cellWithUploadedJournals(server, s3, 'lab-bad/', cleanup);
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lab-bad/episodes/ep-3.mcap', Body: Buffer.from('not the journal that was uploaded') }));
    const { queue, workerDir } = await queueAndWorker(url, pool, objectStore);
    const job = await queue.submit(TRAIN);
    const done = await untilJob(queue, job.id, (j) => j.status === 'succeeded' || j.status === 'failed');
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/episode ep-3: the copy fetched from s3:\/\/journals\/lab-bad\/ \(key 'lab-bad\/episodes\/ep-3\.mcap'\) has SHA-256 [0-9a-f]{64}, the catalog recorded [0-9a-f]{64}; not used/);
    expect(done.error).toMatch(/^1 selected episode\(s\) could not be read here, nothing was trained/);
    expect(await (await PgPolicyStore.open(pool, 'srv-b')).names()).toEqual([]);
    // the bad copy is not kept in the cache; the episode is not quarantined (its journal in the store may be repaired)
    expect(fs.existsSync(path.join(workerDir, 'cache', 'episodes', 'ep-3.mcap'))).toBe(false);
    expect((await (await PgCatalog.open(pool, { serverId: 'srv-a' })).get('ep-3'))?.status).toBe('complete');
    // the worker lives on and takes the next job (the demos: ep-3 is not among them)
    const again = await queue.submit({ kind: 'training', training: { ...TRAIN.training, episodes: 'task=place,kind=demo' } });
    const second = await untilJob(queue, again.id, (j) => j.status === 'succeeded' || j.status === 'failed');
    expect(second).toMatchObject({ status: 'succeeded', version: 'v1' });
  });
});

// The server's in-process training (a worker thread) reads uploaded journals it no longer has on
// disk (objectStore keepLocal: false) from the store. s3rver is the NAMED TEST DOUBLE for S3
// (test/recordings/fixtures/s3-double.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { TrainingJobManager } from '../../policies/training-jobs.ts';
import { CatalogWriteQueue } from '../../recordings/catalog-write-queue.ts';
import { JournalUploader } from '../../recordings/journal-uploader.ts';
import { S3ObjectStore } from '../../recordings/s3-object-store.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import type { ObjectStoreConfig } from '../../server/config/config-schema.ts';
import { BUCKET, startS3Double, useS3CredentialsEnv, type S3Double } from '../recordings/fixtures/s3-double.ts';
import { recordEpisodes } from './recorded-episodes.ts';

let s3: S3Double;
useS3CredentialsEnv();
beforeAll(async () => {
  s3 = await startS3Double();
});
afterAll(async () => {
  await s3?.close();
});
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('in-process training with journals in the object store', () => {
  it('trains on episodes whose local journals were deleted after their verified upload', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-store-train-'));
    dirs.push(dataDir);
    const objectStore: ObjectStoreConfig = { bucket: BUCKET, prefix: 'in-process/', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, keepLocal: false };
    const catalog = new SqliteCatalog(path.join(dataDir, 'catalog.sqlite'));
    await recordEpisodes(dataDir, catalog, 6);
    const store = new S3ObjectStore(objectStore);
    const writes = new CatalogWriteQueue(catalog);
    const up = new JournalUploader({ dataDir, store, catalog, writes, keepLocal: false, retryMinMs: 20, retryMaxMs: 50, onError: () => {} });
    await up.start();
    for (const end = Date.now() + 30_000; up.stats().uploaded < 6; await new Promise((r) => setTimeout(r, 25))) {
      if (Date.now() > end) throw new Error(`uploads stalled at ${up.stats().uploaded}`);
    }
    await up.close();
    await writes.close();
    await catalog.close();
    store.close();
    expect(fs.readdirSync(path.join(dataDir, 'episodes')).filter((f) => f.endsWith('.mcap'))).toEqual([]);

    const builtinDir = path.join(dataDir, 'no-builtin');
    const jobs = new TrainingJobManager({ dataDir, builtinDir, objectStore });
    const job = jobs.start({ episodes: 'task=place', weighting: 'sirius', epochs: 2, hidden: [8], batchSize: 32, seed: 1 });
    const done = await jobs.whenDone(job.id);
    await jobs.close();
    expect(done.error).toBeNull();
    expect(done.version).toBe('v1');
    expect(new PolicyRegistry({ dataDir, builtinDir }).manifest('v1').training?.classes).toEqual({ demo: 90, robot: 30, intervention: 15, preIntervention: 45 });
    expect(fs.readdirSync(path.join(dataDir, 'cache', 'episodes')).length).toBe(6);
  });
});

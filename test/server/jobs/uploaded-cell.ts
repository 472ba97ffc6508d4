import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { expect } from 'vitest';
import { openPgPool } from '../../../database/pg-pool.ts';
import { CatalogWriteQueue } from '../../../recordings/catalog-write-queue.ts';
import { JournalUploader } from '../../../recordings/journal-uploader.ts';
import { PgCatalog } from '../../../recordings/pg-catalog.ts';
import { S3ObjectStore } from '../../../recordings/s3-object-store.ts';
import type { ObjectStoreConfig } from '../../../server/config/config-schema.ts';
import type { JobView } from '../../../server/jobs/job-spec.ts';
import type { PgJobQueue } from '../../../server/jobs/pg-job-queue.ts';
import type { TestPg } from '../../database/embedded-pg.ts';
import { recordEpisodes } from '../../policies/recorded-episodes.ts';
import { BUCKET, type S3Double } from '../../recordings/fixtures/s3-double.ts';

/** A temp dir removed by `cleanup`. */
export function tempDir(name: string, cleanup: Array<() => unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tko-${name}-`));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Cell 'srv-a' on a fresh database records 6 'place' episodes (ep-0..ep-5), uploads them to the
 * S3 double under `prefix` and deletes its local copies (objectStore keepLocal: false).
 */
export async function cellWithUploadedJournals(server: TestPg, s3: S3Double, prefix: string, cleanup: Array<() => unknown>): Promise<{ url: string; pool: pg.Pool; objectStore: ObjectStoreConfig }> {
  const url = await server.newDatabase();
  const pool = openPgPool(url);
  cleanup.push(() => pool.end());
  const cellDir = tempDir('cell-a', cleanup);
  const catalog = await PgCatalog.open(pool, { serverId: 'srv-a' });
  await recordEpisodes(cellDir, catalog, 6);
  const objectStore: ObjectStoreConfig = { bucket: BUCKET, prefix, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true };
  const store = new S3ObjectStore(objectStore);
  const writes = new CatalogWriteQueue(catalog);
  const errors: string[] = [];
  const up = new JournalUploader({ dataDir: cellDir, store, catalog, writes, keepLocal: false, retryMinMs: 20, retryMaxMs: 50, onError: (e) => errors.push(e.message) });
  await up.start();
  const end = Date.now() + 30_000;
  while (up.stats().uploaded < 6) {
    if (Date.now() > end) throw new Error(`uploads stalled at ${up.stats().uploaded}: ${errors.join('; ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  await up.close();
  await writes.close();
  store.close();
  expect(fs.readdirSync(path.join(cellDir, 'episodes')).filter((f) => f.endsWith('.mcap'))).toEqual([]);
  return { url, pool, objectStore };
}

/** Polls a job until `pred` holds (fails after `ms`, naming its last state). */
export async function untilJob(queue: PgJobQueue, id: string, pred: (j: JobView) => boolean, ms = 60_000): Promise<JobView> {
  const end = Date.now() + ms;
  for (;;) {
    const j = (await queue.get(id))!;
    if (pred(j)) return j;
    if (Date.now() > end) throw new Error(`job ${id} stayed ${j.status}: ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import { Recorder } from '../recordings/recorder.ts';
import { dataDirLayout, ensureDataDir } from '../recordings/data-dir.ts';
import { recoverDataDir, type RecoveryReport } from '../recordings/recovery.ts';
import { CatalogWriteQueue } from '../recordings/catalog-write-queue.ts';
import type { Catalog, ServerCatalog } from '../recordings/catalog.ts';
import { PgCatalog } from '../recordings/pg-catalog.ts';
import type pg from 'pg';
import type { ObjectStoreConfig } from './config/config-schema.ts';
import { EpisodeJournals } from '../recordings/episode-journals.ts';
import { JournalUploader } from '../recordings/journal-uploader.ts';

/** How long a REST request's catalog write may wait behind a lock before the request is answered 503 (nothing written). */
export const REQUEST_WRITE_DEADLINE_MS = 1000;

/** The recorder and catalog of a running server. */
export interface Recording {
  recorder: Recorder;
  /** the catalog for request handlers: reads answer at once (or CatalogBusyError), writes queue behind the recorder's for at most REQUEST_WRITE_DEADLINE_MS */
  catalog: Catalog;
  recovery: RecoveryReport;
  /** the highest seed recorded per robot, after recovery */
  seeds: Map<string, number>;
  /** where readers get an episode's journal bytes: the data dir, else the object store */
  journals: EpisodeJournals;
  /** uploads finished journals (null: no objectStore configured) */
  uploader: JournalUploader | null;
  /** the recorder's figures, with the uploader's (`uploadQueued`, `uploaded`, `uploadFailedAttempts`, `uploadSkipped`) when there is one */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

export interface RecordingOptions {
  /** this server's id, stamped on its episodes */
  serverId?: string;
  /** the shared PostgreSQL database: the catalog lives there instead of `<dataDir>/catalog.sqlite` */
  database?: pg.Pool;
  /** upload finished journals here (docs/deployment.md, "Object storage") */
  objectStore?: ObjectStoreConfig;
}

/** Opens the catalog, recovers journals a crash left open, and starts the recorder (docs/recordings.md). */
export async function openRecording(dataDir: string, onError: (err: Error) => void, { serverId = '', database, objectStore }: RecordingOptions = {}): Promise<Recording> {
  ensureDataDir(dataDir);
  // One write queue for the recorder, recovery and the REST routes: nothing waits for a lock (or a
  // database round trip) on the server's thread, and writes to one row stay in order whoever makes them.
  const catalog: ServerCatalog = database ? await PgCatalog.open(database, { serverId }) : new SqliteCatalog(dataDirLayout(dataDir).catalog, { serverId });
  const writes = new CatalogWriteQueue(catalog);
  const recovery = await recoverDataDir(dataDir, writes);
  const seeds = await catalog.highestSeeds();
  // the AWS SDK is loaded only when an object store is configured (it is large)
  const store = objectStore ? new (await import('../recordings/s3-object-store.ts')).S3ObjectStore(objectStore) : null;
  const uploader = store
    ? new JournalUploader({ dataDir, store, catalog, writes, keepLocal: objectStore?.keepLocal, retryMaxMs: objectStore?.retryMaxMs, onError })
    : null;
  const recorder = new Recorder({ dataDir, catalog: writes, onError, ...(uploader && { onFinished: (id: string) => uploader.enqueue(id) }) });
  // journals finished before this start (a crash, a store that was down) are queued again from the catalog
  uploader?.start().catch((err: Error) => onError(new Error(`journal upload: could not list the episodes still to upload: ${err.message}`)));
  return {
    recorder,
    catalog: writes.withWriteDeadline(REQUEST_WRITE_DEADLINE_MS),
    recovery,
    seeds,
    journals: new EpisodeJournals(dataDir, store),
    uploader,
    stats() {
      const u = uploader?.stats();
      return { ...recorder.stats(), ...(u && { uploadQueued: u.queued, uploaded: u.uploaded, uploadFailedAttempts: u.failedAttempts, uploadSkipped: u.skipped }) };
    },
    async close() {
      await recorder.close(); // waits a bounded time for the recorder's catalog writes
      await uploader?.close(); // an upload under way is aborted; the next start queues it again
      await writes.close(); // what a lock still holds back is left for recovery
      store?.close();
    },
  };
}

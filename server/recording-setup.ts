import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import { Recorder } from '../recordings/recorder.ts';
import { dataDirLayout, ensureDataDir } from '../recordings/data-dir.ts';
import { recoverDataDir, type RecoveryReport } from '../recordings/recovery.ts';
import { CatalogWriteQueue } from '../recordings/catalog-write-queue.ts';
import type { Catalog, ServerCatalog } from '../recordings/catalog.ts';
import { PgCatalog } from '../recordings/pg-catalog.ts';
import type pg from 'pg';

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
  close(): Promise<void>;
}

export interface RecordingOptions {
  /** this server's id, stamped on its episodes */
  serverId?: string;
  /** the shared PostgreSQL database: the catalog lives there instead of `<dataDir>/catalog.sqlite` */
  database?: pg.Pool;
}

/** Opens the catalog, recovers journals a crash left open, and starts the recorder (docs/recordings.md). */
export async function openRecording(dataDir: string, onError: (err: Error) => void, { serverId = '', database }: RecordingOptions = {}): Promise<Recording> {
  ensureDataDir(dataDir);
  // One write queue for the recorder, recovery and the REST routes: nothing waits for a lock (or a
  // database round trip) on the server's thread, and writes to one row stay in order whoever makes them.
  const catalog: ServerCatalog = database ? await PgCatalog.open(database, { serverId }) : new SqliteCatalog(dataDirLayout(dataDir).catalog, { serverId });
  const writes = new CatalogWriteQueue(catalog);
  const recovery = await recoverDataDir(dataDir, writes);
  const seeds = await catalog.highestSeeds();
  const recorder = new Recorder({ dataDir, catalog: writes, onError });
  return {
    recorder,
    catalog: writes.withWriteDeadline(REQUEST_WRITE_DEADLINE_MS),
    recovery,
    seeds,
    async close() {
      await recorder.close(); // waits a bounded time for the recorder's catalog writes
      await writes.close(); // what a lock still holds back is left for recovery
    },
  };
}

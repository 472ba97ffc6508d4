import type { ObjectStoreConfig } from '../server/config/config-schema.ts';
import { EpisodeJournals } from './episode-journals.ts';

/** Journals of a data directory and, when configured, its object store; `close` ends the store's connections. */
export interface OpenedJournals {
  journals: EpisodeJournals;
  close(): void;
}

/**
 * The journal read path (recordings/episode-journals.ts) for a process that is not the recording
 * server: a training thread, a job worker, the CLI. With `objectStore` an uploaded journal not in
 * `dataDir` is fetched from the store and checked; without it only `dataDir` is read.
 * The S3 client loads only when a store is configured.
 */
export async function openEpisodeJournals(dataDir: string, objectStore?: ObjectStoreConfig | null): Promise<OpenedJournals> {
  if (!objectStore) return { journals: new EpisodeJournals(dataDir), close() {} };
  const { S3ObjectStore } = await import('./s3-object-store.ts');
  const store = new S3ObjectStore(objectStore);
  return { journals: new EpisodeJournals(dataDir, store), close: () => store.close() };
}

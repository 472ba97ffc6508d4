import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpisodeRow } from './catalog.ts';
import { dataDirLayout } from './data-dir.ts';
import type { ObjectStore } from './object-store.ts';

/** The journal of an uploaded episode could not be fetched from the object store (the store is down, the copy is gone or differs). */
export class JournalFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalFetchError';
  }
}

/** What locating a journal needs of its catalog row. */
export type JournalRow = Pick<EpisodeRow, 'id' | 'file'> & Partial<Pick<EpisodeRow, 'storageKey' | 'sha256'>>;

/**
 * The one way to the bytes of an episode's journal, for the episode reader, the exports and
 * the REST API: its file in the data directory, or, when that is gone and the episode was
 * uploaded, its copy in the object store, fetched once into `<dataDir>/cache/episodes/` and
 * checked against the SHA-256 the catalog recorded.
 */
export class EpisodeJournals {
  readonly dataDir: string;
  readonly store: ObjectStore | null;
  #fetching = new Map<string, Promise<string>>();

  constructor(dataDir: string, store: ObjectStore | null = null) {
    this.dataDir = dataDir;
    this.store = store;
  }

  /** Where the cached copy of an episode's journal goes. */
  cachePath(id: string): string {
    return join(dataDirLayout(this.dataDir).cache, 'episodes', `${id}.mcap`);
  }

  /**
   * A local path holding the journal of `row`. The data directory's file when it exists or when
   * there is no uploaded copy (reading it then fails as a missing file does); else the fetched
   * copy. Throws JournalFetchError when the copy cannot be fetched (no store configured, the
   * store is unreachable) or does not match.
   */
  async path(row: JournalRow): Promise<string> {
    const local = join(this.dataDir, row.file);
    if (!row.storageKey || (await exists(local))) return local;
    // an uploaded journal is never "missing": without the store it is unavailable here, not damaged
    if (!this.store) throw new JournalFetchError(`episode ${row.id}: its journal is not on this server's disk; it was uploaded as '${row.storageKey}', and no objectStore is configured here to fetch it`);
    const cached = this.cachePath(row.id);
    if (await exists(cached)) return cached;
    let p = this.#fetching.get(row.id);
    if (!p) {
      p = this.#fetch(row, row.storageKey, this.store, cached).finally(() => this.#fetching.delete(row.id));
      this.#fetching.set(row.id, p);
    }
    return p;
  }

  /** Removes an episode's cached copy (its episode was deleted). */
  async forget(id: string): Promise<void> {
    await rm(this.cachePath(id), { force: true });
  }

  async #fetch(row: JournalRow, key: string, store: ObjectStore, dest: string): Promise<string> {
    await mkdir(join(dataDirLayout(this.dataDir).cache, 'episodes'), { recursive: true, mode: 0o700 });
    let got;
    try {
      got = await store.download(key, dest);
    } catch (err) {
      throw new JournalFetchError(`episode ${row.id}: its journal is not on this server's disk and could not be fetched from ${store.where} (key '${key}'): ${(err as Error).message}`, { cause: err });
    }
    if (row.sha256 && got.sha256 !== row.sha256) {
      await rm(dest, { force: true });
      throw new JournalFetchError(`episode ${row.id}: the copy fetched from ${store.where} (key '${key}') has SHA-256 ${got.sha256}, the catalog recorded ${row.sha256}; not used`);
    }
    return dest;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerCatalog } from './catalog.ts';
import type { CatalogWriteQueue } from './catalog-write-queue.ts';
import { openIndexed } from './episode-reader.ts';
import { FileReadable } from './file-readable.ts';
import { digestFile, type ObjectDigest, type ObjectStore } from './object-store.ts';
import { WakeableSleep } from './wakeable-sleep.ts';

export interface JournalUploaderOptions {
  dataDir: string;
  store: ObjectStore;
  /** reads (the row, the episodes still to upload) go straight to it */
  catalog: ServerCatalog;
  /** the catalog's write queue: `markUploaded` waits there behind the row's other writes */
  writes: CatalogWriteQueue;
  /** keep the local journal once its upload is verified (default true) */
  keepLocal?: boolean;
  /** episodes queued in memory; beyond it they wait in the catalog and are picked up when the queue empties (default 1024) */
  queueLimit?: number;
  /** first wait after a failed attempt, ms (default 1000); it doubles with each failure in a row */
  retryMinMs?: number;
  /** longest wait between attempts, ms (default 60000) */
  retryMaxMs?: number;
  /** failures are reported here (the upload is retried; nothing is lost) */
  onError: (err: Error) => void;
}

/** Uploader figures (for status pages and tests). */
export type UploaderStats = { queued: number; uploaded: number; failedAttempts: number; skipped: number };

/** An episode that cannot be uploaded from here at all (no row, no file, a damaged file): dropped from the queue, reported. */
class UploadSkipped extends Error {}

/**
 * Uploads finished journals to the object store in the background, one at a time, off the
 * recorder's path: an upload counts only once the store's copy is read back with the local
 * file's size and SHA-256; then the catalog records its key (and the local file is removed if
 * `keepLocal` is false). Until then the local file is the copy that counts. A failed attempt
 * is retried with exponential backoff; episodes finished but not uploaded are found again in
 * the catalog at every start (`start`), so a restart loses nothing.
 */
export class JournalUploader {
  #o: Required<Omit<JournalUploaderOptions, 'onError'>> & Pick<JournalUploaderOptions, 'onError'>;
  #queue: string[] = [];
  #queued = new Set<string>();
  /** episodes left in the catalog because the queue was full: look there again once it empties */
  #overflowed = false;
  #pump: Promise<void> | null = null;
  #abort = new AbortController();
  readonly #sleep = new WakeableSleep();
  #closed = false;
  #stats = { uploaded: 0, failedAttempts: 0, skipped: 0 };

  constructor({ keepLocal = true, queueLimit = 1024, retryMinMs = 1000, retryMaxMs = 60_000, ...rest }: JournalUploaderOptions) {
    if (!(Number.isInteger(queueLimit) && queueLimit > 0)) throw new RangeError(`JournalUploader: queueLimit must be a positive integer, got ${queueLimit}`);
    this.#o = { keepLocal, queueLimit, retryMinMs: Math.min(retryMinMs, retryMaxMs), retryMaxMs, ...rest };
  }

  /** Queues every finished episode of this server the catalog does not list as uploaded (call once at start). */
  async start(): Promise<void> {
    await this.#rescan();
  }

  /** Queues one finished episode's journal. Never throws; past the queue's bound it waits in the catalog. */
  enqueue(episodeId: string): void {
    if (this.#closed || this.#queued.has(episodeId)) return;
    if (this.#queue.length >= this.#o.queueLimit) {
      this.#overflowed = true;
      return;
    }
    this.#queue.push(episodeId);
    this.#queued.add(episodeId);
    this.#pump ??= this.#run();
  }

  /** Queued episodes, verified uploads, failed attempts, episodes that could not be uploaded at all. */
  stats(): UploaderStats {
    return { queued: this.#queue.length, ...this.#stats };
  }

  /** Stops: the upload under way is aborted, and what is left is uploaded after the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    this.#sleep.wake();
    await this.#pump;
  }

  async #rescan(): Promise<void> {
    const room = this.#o.queueLimit - this.#queue.length;
    if (room <= 0) return;
    const ids = await this.#o.catalog.pendingUploads(room + 1);
    for (const id of ids.slice(0, room)) this.enqueue(id);
    if (ids.length > room) this.#overflowed = true;
  }

  async #run(): Promise<void> {
    let delay = this.#o.retryMinMs;
    try {
      while (!this.#closed) {
        if (this.#queue.length === 0) {
          if (!this.#overflowed) break;
          this.#overflowed = false;
          await this.#rescan().catch((err: Error) => this.#o.onError(new Error(`journal upload: could not list the episodes still to upload: ${err.message}`)));
          if (this.#queue.length === 0) break;
        }
        const id = this.#queue[0];
        try {
          await this.#upload(id);
          this.#done(id);
          delay = this.#o.retryMinMs;
        } catch (err) {
          if (this.#closed) break;
          if (err instanceof UploadSkipped) {
            this.#stats.skipped++;
            this.#done(id);
            this.#o.onError(err);
            continue;
          }
          this.#stats.failedAttempts++;
          this.#o.onError(new Error(`journal upload: episode ${id} to ${this.#o.store.where} failed (the local journal is kept; retrying in ${delay} ms): ${(err as Error).message}`));
          // to the back: one journal the store refuses does not hold up the others
          this.#queue.push(this.#queue.shift()!);
          await this.#sleep.sleep(delay);
          delay = Math.min(this.#o.retryMaxMs, delay * 2);
        }
      }
    } finally {
      this.#pump = null;
    }
  }

  #done(id: string): void {
    this.#queue.shift();
    this.#queued.delete(id);
  }

  async #upload(id: string): Promise<void> {
    const { catalog, store, dataDir } = this.#o;
    const row = await catalog.get(id);
    if (!row) throw new UploadSkipped(`journal upload: episode ${id} is no longer in the catalog; nothing to upload`);
    if (row.storageKey) return;
    if (row.status !== 'complete' && row.status !== 'recovered') throw new UploadSkipped(`journal upload: episode ${id} is ${row.status}; only finished journals are uploaded`);
    const path = join(dataDir, row.file);
    const local = await this.#checkLocal(id, path, row.bytes);
    const key = store.keyOf(row.file);
    const signal = this.#abort.signal;
    await store.put(key, path, local, signal);
    const stored = await store.digest(key, signal);
    if (!stored) throw new Error(`the store has no object '${key}' right after its upload`);
    if (stored.size !== local.size || stored.sha256 !== local.sha256) {
      throw new Error(`the upload did not verify: '${key}' holds ${stored.size} bytes with SHA-256 ${stored.sha256}, the journal is ${local.size} bytes with SHA-256 ${local.sha256}; not marked uploaded`);
    }
    await this.#o.writes.write(() => catalog.markUploaded(id, { storageKey: key, sha256: local.sha256, uploadedAt: Date.now() }));
    this.#stats.uploaded++;
    if (!this.#o.keepLocal) await rm(path, { force: true });
  }

  /** The local journal's digest, once it is known to be a finished MCAP file of the size the catalog recorded. */
  async #checkLocal(id: string, path: string, bytes: number): Promise<ObjectDigest> {
    let readable: FileReadable;
    try {
      readable = await FileReadable.open(path);
    } catch (err) {
      throw new UploadSkipped(`journal upload: episode ${id}: its journal cannot be read (${(err as Error).message}); nothing to upload`);
    }
    try {
      await openIndexed(readable);
    } catch (err) {
      throw new UploadSkipped(`journal upload: episode ${id}: its journal is not a finished MCAP file (${(err as Error).message}); not uploaded`);
    } finally {
      await readable.close();
    }
    const local = await digestFile(path);
    if (bytes > 0 && local.size !== bytes) throw new UploadSkipped(`journal upload: episode ${id}: its journal is ${local.size} bytes, the catalog recorded ${bytes}; not uploaded`);
    return local;
  }
}

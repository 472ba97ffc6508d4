import { CatalogBusyError, isCatalogBusy, type Catalog, type EpisodeFinish, type EpisodePatch, type EpisodeQuery, type EpisodeRow, type EpisodeStatus, type NewEpisode } from './catalog.ts';
import { WakeableSleep } from './wakeable-sleep.ts';

export interface CatalogWriteQueueOptions {
  /** first retry delay after a busy answer, ms (default 5); it doubles with every busy answer in a row */
  minDelayMs?: number;
  /** longest retry delay, ms (default 200): how far the queue may lag behind a released lock */
  maxDelayMs?: number;
  /** how long one catch-up run may hold the thread before it yields to other work, ms (default 10) */
  sliceMs?: number;
}

/** What the queue is doing, for /api/status (through the recorder's stats). */
export interface CatalogWriteStats {
  /** writes waiting (the one being retried included) */
  pending: number;
  /** attempts the catalog answered busy, since the start */
  retries: number;
  /** age of the oldest pending write, ms (0 when none) */
  oldestPendingMs: number;
  /** writes that failed for another reason than a lock (reported to their caller) */
  failed: number;
  /** writes given up at close, left for recovery */
  abandoned: number;
}

/** Rejects writes still pending when the queue is abandoned; recovery rebuilds their rows from the journals. */
export class CatalogWriteAbandonedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogWriteAbandonedError';
  }
}

interface Write {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
  at: number;
  started: boolean;
  deadline: NodeJS.Timeout | null;
}

/**
 * A Catalog whose writes never wait for a lock: each write is queued, tried at once, and while
 * the inner catalog answers busy (CatalogBusyError) the head of the queue is retried with
 * exponential backoff on a timer. One FIFO for all writes keeps every episode's writes in order
 * (and a request's edit behind the recorder's end of the same row). Reads go straight to the
 * inner catalog. A write that fails for any other reason rejects and the queue moves on.
 */
export class CatalogWriteQueue implements Catalog {
  readonly inner: Catalog;
  #q: Write[] = [];
  #pumping = false;
  readonly #sleep = new WakeableSleep();
  #min: number;
  #max: number;
  #slice: number;
  #delay: number;
  #retries = 0;
  #failed = 0;
  #abandoned = 0;
  #closed: string | null = null;
  #drained = new Set<() => void>();

  constructor(inner: Catalog, { minDelayMs = 5, maxDelayMs = 200, sliceMs = 10 }: CatalogWriteQueueOptions = {}) {
    this.inner = inner;
    this.#min = minDelayMs;
    this.#max = Math.max(minDelayMs, maxDelayMs);
    this.#slice = sliceMs;
    this.#delay = minDelayMs;
  }

  insert(row: NewEpisode): Promise<void> {
    return this.write(() => this.inner.insert(row));
  }
  finish(id: string, f: EpisodeFinish): Promise<void> {
    return this.write(() => this.inner.finish(id, f));
  }
  upsert(row: EpisodeRow): Promise<void> {
    return this.write(() => this.inner.upsert(row));
  }
  patch(id: string, p: EpisodePatch): Promise<EpisodeRow | null> {
    return this.write(() => this.inner.patch(id, p));
  }
  setStatus(id: string, status: EpisodeStatus): Promise<void> {
    return this.write(() => this.inner.setStatus(id, status));
  }
  delete(id: string): Promise<boolean> {
    return this.write(() => this.inner.delete(id));
  }
  get(id: string): Promise<EpisodeRow | null> {
    return this.inner.get(id);
  }
  list(q: EpisodeQuery): Promise<{ items: EpisodeRow[]; total: number }> {
    return this.inner.list(q);
  }

  /**
   * Queues a write behind every earlier one; resolves with its result once written. With
   * `deadlineMs`, a write not yet under way by then is withdrawn and rejects with
   * CatalogBusyError: nothing was written (what a request handler answers 503 with).
   */
  write<T>(run: () => Promise<T>, deadlineMs?: number): Promise<T> {
    if (this.#closed) return Promise.reject(new CatalogWriteAbandonedError(`catalog write refused: ${this.#closed}`));
    return new Promise<T>((resolve, reject) => {
      const w: Write = { run, resolve: resolve as (v: unknown) => void, reject, at: performance.now(), started: false, deadline: null };
      if (deadlineMs !== undefined) w.deadline = setTimeout(() => this.#expire(w, deadlineMs), deadlineMs);
      this.#q.push(w);
      if (!this.#pumping) void this.#pump();
    });
  }

  /** Pending writes, busy retries, age of the oldest pending write, failures, writes given up. */
  stats(): CatalogWriteStats {
    const head = this.#q[0];
    return { pending: this.#q.length, retries: this.#retries, oldestPendingMs: head ? Math.round(performance.now() - head.at) : 0, failed: this.#failed, abandoned: this.#abandoned };
  }

  /** Resolves true once nothing is pending, false if `timeoutMs` passes first (the writes stay queued). */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#q.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#drained.delete(onDrained);
        resolve(ok);
      };
      const onDrained = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#drained.add(onDrained);
    });
  }

  /** Stops retrying: pending and later writes reject with CatalogWriteAbandonedError. Returns how many were pending. */
  abandon(reason: string): number {
    this.#closed ??= reason;
    const left = this.#q.splice(0);
    for (const w of left) {
      if (w.deadline) clearTimeout(w.deadline);
      w.reject(new CatalogWriteAbandonedError(`catalog write abandoned: ${reason}`));
    }
    this.#abandoned += left.length;
    this.#sleep.wake();
    this.#notify();
    return left.length;
  }

  /** Abandons whatever is still pending (call drain first to wait for it) and closes the inner catalog. */
  async close(): Promise<void> {
    this.abandon('the catalog was closed');
    await this.inner.close();
  }

  /** The same queue for request handlers: reads as usual, and each write gives up (CatalogBusyError) if not under way within `deadlineMs`. */
  withWriteDeadline(deadlineMs: number): Catalog {
    const c = this.inner;
    const w = <T>(run: () => Promise<T>) => this.write(run, deadlineMs);
    return {
      insert: (row) => w(() => c.insert(row)),
      finish: (id, f) => w(() => c.finish(id, f)),
      upsert: (row) => w(() => c.upsert(row)),
      patch: (id, p) => w(() => c.patch(id, p)),
      setStatus: (id, s) => w(() => c.setStatus(id, s)),
      delete: (id) => w(() => c.delete(id)),
      get: (id) => c.get(id),
      list: (q) => c.list(q),
      // A view owns nothing: whoever made the queue closes it.
      close: async () => {},
    };
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    let since = performance.now();
    try {
      while (this.#q.length > 0) {
        const w = this.#q[0];
        w.started = true;
        let busy = false;
        try {
          const v = await w.run();
          this.#settle(w);
          w.resolve(v);
          this.#delay = this.#min;
        } catch (err) {
          if (isCatalogBusy(err)) {
            busy = true;
            w.started = false;
            this.#retries++;
          } else {
            this.#settle(w);
            this.#failed++;
            w.reject(err);
          }
        }
        if (busy) {
          // The lock is the whole database's: everything behind the head would be refused too.
          await this.#sleep.sleep(this.#delay);
          this.#delay = Math.min(this.#max, this.#delay * 2);
          since = performance.now();
        } else if (performance.now() - since > this.#slice) {
          // A long backlog (the lock just went) is written in slices so timers and sockets keep running.
          await new Promise((r) => setImmediate(r));
          since = performance.now();
        }
      }
    } finally {
      this.#pumping = false;
      this.#notify();
    }
  }

  #settle(w: Write): void {
    const i = this.#q.indexOf(w);
    if (i >= 0) this.#q.splice(i, 1);
    if (w.deadline) clearTimeout(w.deadline);
  }

  #expire(w: Write, deadlineMs: number): void {
    w.deadline = null;
    if (w.started || !this.#q.includes(w)) return;
    this.#settle(w);
    w.reject(new CatalogBusyError(`the catalog stayed locked for ${deadlineMs} ms; nothing was written`));
    this.#notify();
  }

  #notify(): void {
    if (this.#q.length > 0) return;
    for (const f of [...this.#drained]) f();
  }
}

import { Value } from '@sinclair/typebox/value';
import type { Outcome, Step } from '../core/step.ts';
import type { Catalog } from './catalog.ts';
import { CatalogWriteQueue } from './catalog-write-queue.ts';
import { ensureDataDir, lockDataDir } from './data-dir.ts';
import { EpisodeSession } from './episode-session.ts';
import { EpisodeMetaSchema, type EpisodeEvent, type EpisodeMeta } from './journal-schemas.ts';
import type { ChunkCompressor } from './mcap-chunk-writer.ts';
import type { RecordedImage } from './image-journal.ts';

export type { EpisodeEvent, EpisodeMeta } from './journal-schemas.ts';

export interface RecorderOptions {
  dataDir: string;
  /** where rows go; a CatalogWriteQueue is used as is (shared with its other writers), any other Catalog is wrapped in one */
  catalog: Catalog;
  /** queued steps beyond this are dropped and counted (default 8192) */
  queueLimit?: number;
  /** queued camera frame bytes beyond this are dropped and counted (default 32 MiB) */
  imageQueueBytes?: number;
  /** how often queued records are written as a complete chunk, ms (default 50, at most 100) */
  flushIntervalMs?: number;
  /** chunk compression (default lz4; null for none) */
  compressor?: ChunkCompressor | null;
  /** where write failures and rejected records are reported (default: console.error) */
  onError?: (err: Error) => void;
  /** how long close() waits for catalog writes a lock holds back, ms (default 3000); what is left, recovery rebuilds at the next start */
  closeWaitMs?: number;
  /**
   * What the journal's logTime is: 'received' (default) the wall clock when the recorder got the
   * record; 'loop' the episode's own clock, startedAt + t, for simulated episodes that run faster
   * than real time (their log time is then simulated time and plays back at its real pace).
   */
  logClock?: 'received' | 'loop';
  /** called once an episode's journal is finished (synced and closed) and its row completed: the uploader's cue */
  onFinished?: (episodeId: string) => void;
}

/** Recorder figures (all numbers, so /api/status passes them through; a type, not an interface, so it is a Record<string, number>). */
export type RecorderStats = {
  /** steps waiting to be encoded */
  queued: number;
  /** steps lost to overflow */
  dropped: number;
  /** steps in files */
  written: number;
  /** file bytes */
  bytes: number;
  /** steps refused (unknown episode, out of order) */
  rejected: number;
  /** catalog writes waiting (for a lock another process holds) */
  catalogPending: number;
  /** catalog attempts answered busy so far */
  catalogRetries: number;
  /** age of the oldest waiting catalog write, ms */
  catalogOldestPendingMs: number;
  /** catalog writes that failed for another reason (reported through onError) */
  catalogFailed: number;
  /** camera frames written into journals */
  images: number;
  /** camera frames lost to a full image queue */
  imagesDropped: number;
};

type Op =
  | { k: 'begin'; meta: EpisodeMeta }
  | { k: 'step'; step: Step; at: number }
  | { k: 'event'; id: string; e: EpisodeEvent; at: number }
  | { k: 'end'; id: string; outcome: Outcome; at: number }
  | { k: 'image'; robotId: string; img: RecordedImage };

const now = () => performance.timeOrigin + performance.now();

/**
 * The non-blocking front the control loop records through. Every call is an array push (plus a
 * bounds check); encoding, compression, file writes and catalog updates happen in a drain on a
 * timer, off the loop's call stack. Every `flushIntervalMs` everything received is written as a
 * complete MCAP chunk, so a killed process loses at most about that much.
 *
 * The recorder keeps a reference to each appended Step until it is encoded: do not mutate a
 * step after appending it.
 */
export class Recorder {
  #dataDir: string;
  #catalog: CatalogWriteQueue;
  #ownsQueue: boolean;
  #closeWaitMs: number;
  #queue: Op[] = [];
  #queuedSteps = 0;
  #limit: number;
  #sessions = new Map<string, EpisodeSession>();
  #known = new Set<string>();
  #droppedBy = new Map<string, number>();
  #compressor: ChunkCompressor | null | undefined;
  #loopClock: boolean;
  #onError: (err: Error) => void;
  #onFinished: ((episodeId: string) => void) | undefined;
  #timer: NodeJS.Timeout;
  #soon: NodeJS.Immediate | null = null;
  #unlock: () => void;
  #closing: Promise<void> | null = null;
  #stats = { dropped: 0, written: 0, bytes: 0, rejected: 0, images: 0, imagesDropped: 0 };
  #imageBytes = 0;
  #imageLimit: number;
  /** the episode being recorded for each robot (images go to it) */
  #openByRobot = new Map<string, string>();
  /** steps and bytes in the file of each episode begun, kept until its row has its final counts */
  #live = new Map<string, { steps: number; bytes: number }>();

  constructor({ dataDir, catalog, queueLimit = 8192, imageQueueBytes = 32 * 1024 * 1024, flushIntervalMs = 50, compressor, onError, closeWaitMs = 3000, logClock = 'received', onFinished }: RecorderOptions) {
    this.#imageLimit = imageQueueBytes;
    if (logClock !== 'received' && logClock !== 'loop') throw new RangeError(`Recorder: logClock must be 'received' or 'loop', got '${String(logClock)}'`);
    this.#loopClock = logClock === 'loop';
    if (!(flushIntervalMs > 0 && flushIntervalMs <= 100)) throw new RangeError(`Recorder: flushIntervalMs must be in (0, 100], got ${flushIntervalMs}`);
    if (!(Number.isInteger(queueLimit) && queueLimit > 0)) throw new RangeError(`Recorder: queueLimit must be a positive integer, got ${queueLimit}`);
    this.#dataDir = dataDir;
    // Catalog writes go through a queue so a locked catalog never stalls the thread nor stops a journal;
    // a queue handed in (the server's, shared with the REST routes) keeps their writes in one order.
    this.#ownsQueue = !(catalog instanceof CatalogWriteQueue);
    this.#catalog = catalog instanceof CatalogWriteQueue ? catalog : new CatalogWriteQueue(catalog);
    this.#closeWaitMs = closeWaitMs;
    this.#limit = queueLimit;
    this.#compressor = compressor;
    this.#onError = onError ?? ((err) => console.error(err.message));
    this.#onFinished = onFinished;
    ensureDataDir(dataDir);
    this.#unlock = lockDataDir(dataDir);
    this.#timer = setInterval(() => this.#drain(true), flushIntervalMs);
  }

  /** Opens an episode's journal. Throws on invalid meta or a reused id (a programming error). */
  beginEpisode(meta: EpisodeMeta): void {
    if (this.#closing) throw new Error('Recorder#beginEpisode: recorder is closed');
    if (!Value.Check(EpisodeMetaSchema, meta)) {
      const first = [...Value.Errors(EpisodeMetaSchema, meta)][0];
      throw new Error(`Recorder#beginEpisode: invalid episode meta at ${first?.path || '/'}: ${first?.message}`);
    }
    if (this.#known.has(meta.episodeId)) throw new Error(`Recorder#beginEpisode: episode '${meta.episodeId}' was already begun`);
    this.#known.add(meta.episodeId);
    this.#queue.push({ k: 'begin', meta: { ...meta } });
  }

  /** Queues a step. Never throws or blocks: on overflow (or after close) the step is dropped and counted. */
  appendStep(step: Step): void {
    if (this.#closing || this.#queuedSteps >= this.#limit) {
      this.#stats.dropped++;
      const id = step?.episodeId;
      if (typeof id === 'string') this.#droppedBy.set(id, (this.#droppedBy.get(id) ?? 0) + 1);
      return;
    }
    this.#queue.push({ k: 'step', step, at: now() });
    if (++this.#queuedSteps >= this.#limit >> 1 && !this.#soon) this.#soon = setImmediate(() => this.#drain(false));
  }

  /** Queues an episode event (mode, lease, command, rewind, ...). Never throws. */
  appendEvent(episodeId: string, e: EpisodeEvent): void {
    if (this.#closing) return;
    this.#queue.push({ k: 'event', id: episodeId, e, at: now() });
  }

  /**
   * Queues a camera frame for the episode being recorded for `robotId` when it is written (none:
   * the frame is not kept). Never throws or blocks: past the image queue's byte bound the frame
   * is dropped and counted; steps never wait behind images.
   */
  appendImage(robotId: string, img: RecordedImage): void {
    if (this.#closing) return;
    if (this.#imageBytes + img.data.byteLength > this.#imageLimit) {
      this.#stats.imagesDropped++;
      return;
    }
    this.#imageBytes += img.data.byteLength;
    this.#queue.push({ k: 'image', robotId, img });
  }

  /** Queues the end: outcome event, summary and footer, catalog row completed. */
  endEpisode(episodeId: string, outcome: Outcome): void {
    if (this.#closing) return;
    this.#queue.push({ k: 'end', id: episodeId, outcome, at: Date.now() });
  }

  /** Steps and bytes in the file so far of an episode being recorded (or ended, until its catalog row has the final counts), else null. */
  progress(episodeId: string): { steps: number; bytes: number } | null {
    const p = this.#live.get(episodeId);
    return p ? { ...p } : null;
  }

  /** The figures of RecorderStats: steps queued, dropped, written, rejected, bytes, and the catalog write queue's state. */
  stats(): RecorderStats {
    const c = this.#catalog.stats();
    return { queued: this.#queuedSteps, ...this.#stats, catalogPending: c.pending, catalogRetries: c.retries, catalogOldestPendingMs: c.oldestPendingMs, catalogFailed: c.failed };
  }

  /**
   * Drains the queue, ends open episodes as 'aborted', finalizes their files, waits up to
   * `closeWaitMs` for the catalog writes, releases the data dir. Catalog writes a lock still
   * holds back then are reported and left to recovery (the journals are complete). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      if (this.#soon) clearImmediate(this.#soon);
      this.#drain(true);
      for (const s of this.#sessions.values()) this.#end(s, 'aborted', Date.now());
      await Promise.all([...this.#sessions.values()].map((s) => s.settled()));
      this.#sessions.clear();
      if (!(await this.#catalog.drain(this.#closeWaitMs))) {
        const { pending, oldestPendingMs } = this.#catalog.stats();
        const waiting = [...this.#live.keys()].join(', ');
        this.#onError(new Error(`recorder: ${pending} catalog write(s) still waiting for the catalog lock after ${this.#closeWaitMs} ms (oldest ${oldestPendingMs} ms; episodes ${waiting}); recovery rebuilds these rows from their journals at the next start`));
        // A queue the recorder made is its own to stop; a shared one is stopped by its owner.
        if (this.#ownsQueue) this.#catalog.abandon('the recorder closed before the catalog lock was released');
      }
      this.#live.clear();
      this.#unlock();
    })();
    return this.#closing;
  }

  #drain(flush: boolean): void {
    this.#soon = null;
    const ops = this.#queue;
    this.#queue = [];
    this.#queuedSteps = 0;
    this.#imageBytes = 0;
    for (const op of ops) {
      try {
        this.#apply(op);
      } catch (err) {
        this.#onError(new Error(`recorder: ${(err as Error).message}`));
      }
    }
    if (flush) for (const s of this.#sessions.values()) s.flush();
  }

  #apply(op: Op): void {
    if (op.k === 'begin') {
      const live = { steps: 0, bytes: 0 };
      const s = new EpisodeSession(this.#dataDir, op.meta, this.#catalog, this.#compressor, this.#loopClock, this.#onError, (steps, bytes) => {
        this.#stats.written += steps;
        this.#stats.bytes += bytes - live.bytes;
        live.bytes = bytes;
        live.steps += steps;
      }, this.#onFinished);
      this.#sessions.set(op.meta.episodeId, s);
      this.#openByRobot.set(op.meta.robotId, op.meta.episodeId);
      this.#live.set(op.meta.episodeId, live);
      return;
    }
    if (op.k === 'image') {
      const s = this.#sessions.get(this.#openByRobot.get(op.robotId) ?? '');
      if (s?.addImage(op.img)) this.#stats.images++;
      return;
    }
    const id = op.k === 'step' ? op.step?.episodeId : op.id;
    const s = this.#sessions.get(id);
    if (!s) {
      if (op.k === 'step') this.#reject(`step for episode '${String(id)}', which is not being recorded`);
      else this.#onError(new Error(`recorder: ${op.k} for episode '${String(id)}', which is not being recorded; ignored`));
      return;
    }
    if (op.k === 'step') {
      if (!s.addStep(op.step, op.at)) this.#stats.rejected++;
    } else if (op.k === 'event') {
      s.addEvent(op.e, op.at);
    } else {
      this.#end(s, op.outcome, op.at);
    }
  }

  #end(s: EpisodeSession, outcome: Outcome, at: number): void {
    const id = s.meta.episodeId;
    if (this.#openByRobot.get(s.meta.robotId) === id) this.#openByRobot.delete(s.meta.robotId);
    s.end(outcome, at, this.#droppedBy.get(id) ?? 0).finally(() => {
      this.#sessions.delete(id);
      this.#droppedBy.delete(id);
    });
    // A row still 'recording' keeps showing the file's counts until the catalog has the final ones.
    void s.rowSettled().then(() => this.#live.delete(id));
  }

  #rejectedReported = 0;
  #reject(why: string): void {
    this.#stats.rejected++;
    // Report the first few, then every 1000th, so a misbehaving loop cannot flood the log.
    if (this.#rejectedReported++ < 5 || this.#stats.rejected % 1000 === 0) this.#onError(new Error(`recorder: rejected ${why} (${this.#stats.rejected} so far)`));
  }
}

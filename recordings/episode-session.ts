import { join } from 'node:path';
import type { Outcome, Step } from '../core/step.ts';
import type { Catalog } from './catalog.ts';
import { CatalogWriteAbandonedError } from './catalog-write-queue.ts';
import { journalFile } from './data-dir.ts';
import { FileSink } from './file-sink.ts';
import { JournalWriter } from './journal-writer.ts';
import type { ChunkCompressor } from './mcap-chunk-writer.ts';
import type { EpisodeEvent, EpisodeMeta } from './journal-schemas.ts';
import type { RecordedImage } from './image-journal.ts';
import { labelSteps, summarizeLabels, type LabelInput } from './step-labels.ts';

/**
 * One episode being recorded: its journal writer, the few fields the labels need, a promise
 * chain that keeps its file writes in order, and its catalog writes. The catalog (a
 * CatalogWriteQueue in the recorder) keeps the row's writes in order and may apply them long
 * after the file is written: the journal never waits for, or depends on, its row. Everything
 * here runs in the recorder's drain, never in the control loop's call stack.
 */
export class EpisodeSession {
  readonly meta: EpisodeMeta;
  #writer: JournalWriter;
  #catalog: Catalog;
  #chain: Promise<void>;
  #row: Promise<void> = Promise.resolve();
  #labelInputs: LabelInput[] = [];
  #rewinds: EpisodeEvent[] = [];
  #operators = new Set<string>();
  #unflushed = 0;
  #lastT = 0;
  #inflight = 0;
  #outcomeWritten = false;
  lastStep = -1;
  failed = false;
  ended = false;

  constructor(
    dataDir: string,
    meta: EpisodeMeta,
    catalog: Catalog,
    compressor: ChunkCompressor | null | undefined,
    private readonly loopClock: boolean,
    private readonly onError: (err: Error) => void,
    private readonly onFlushed: (steps: number, bytes: number) => void,
    private readonly onFinished?: (episodeId: string) => void,
  ) {
    this.meta = meta;
    this.#catalog = catalog;
    const sink = new FileSink(join(dataDir, journalFile(meta.episodeId)));
    this.#writer = new JournalWriter(sink, meta, compressor === undefined ? {} : { compressor });
    // The file first, then the row: a file without a row is recovered from its own metadata.
    this.#chain = this.#writer.flush().then(
      () => {
        // not awaited: the journal never waits for its row
        void this.#catalogWrite('insert', () => catalog.insert({ id: meta.episodeId, robotId: meta.robotId, task: meta.task, seed: meta.seed, policyVersion: meta.policyVersion, kind: meta.kind, startedAt: meta.startedAt, file: journalFile(meta.episodeId) }));
      },
      (err) => this.#fail(err),
    );
  }

  /** Encodes a step into the open chunk; false if it was rejected (out of order, unencodable). */
  addStep(step: Step, at: number): boolean {
    if (this.failed || this.ended) return false;
    if (!(step.step > this.lastStep)) {
      this.onError(new Error(`recorder: episode ${this.meta.episodeId} got step ${step.step} after ${this.lastStep}; dropped`));
      return false;
    }
    try {
      this.#writer.writeStep(step, this.loopClock ? this.#loopMs(step.t) : at);
    } catch (err) {
      this.onError(new Error(`recorder: episode ${this.meta.episodeId} step ${step.step} could not be encoded: ${(err as Error).message}`));
      return false;
    }
    this.lastStep = step.step;
    this.#lastT = step.t;
    this.#labelInputs.push({ step: step.step, source: step.source, mode: step.mode, recovery: step.recovery });
    if (step.operatorId) this.#operators.add(step.operatorId);
    this.#unflushed++;
    return true;
  }

  /** Encodes a camera frame into the open chunk; false if the episode is over or it could not be encoded. */
  addImage(img: RecordedImage): boolean {
    if (this.failed || this.ended) return false;
    try {
      this.#writer.writeImage(img);
      return true;
    } catch (err) {
      this.onError(new Error(`recorder: episode ${this.meta.episodeId} camera '${img.camera}' frame could not be encoded: ${(err as Error).message}`));
      return false;
    }
  }

  /** Encodes an event into the open chunk. */
  addEvent(e: EpisodeEvent, at: number): void {
    if (this.failed || this.ended) return;
    try {
      this.#writer.writeEvent(e, this.loopClock ? this.#loopMs(e.t) : at);
      if (e.type === 'rewind') this.#rewinds.push(e);
      if (e.type === 'outcome') this.#outcomeWritten = true;
    } catch (err) {
      this.onError(new Error(`recorder: episode ${this.meta.episodeId} event '${String(e.type)}' could not be encoded: ${(err as Error).message}`));
    }
  }

  /** Starts writing the open chunk, unless a write is already queued behind another. */
  flush(): void {
    if (this.failed || this.ended || this.#writer.pendingBytes === 0 || this.#inflight > 1) return;
    const steps = this.#unflushed;
    this.#unflushed = 0;
    this.#inflight++;
    const p = this.#writer.flush();
    // The writer serializes its own writes; the chain only orders catalog updates after them.
    this.#chain = this.#chain.then(() =>
      p.then(
        () => {
          this.#inflight--;
          this.onFlushed(steps, this.#writer.bytesWritten);
        },
        (err) => {
          this.#inflight--;
          this.#fail(err);
        },
      ),
    );
  }

  /** Writes the outcome event, finishes the journal and records the end in the catalog. */
  end(outcome: Outcome, endedAt: number, dropped: number): Promise<void> {
    if (this.ended) return this.#chain;
    // one outcome event per episode: the loop's own, if it sent one, else this one
    if (!this.#outcomeWritten) this.addEvent({ type: 'outcome', t: this.#lastT, step: this.lastStep, outcome }, endedAt);
    this.ended = true;
    if (this.failed) return this.#chain;
    const steps = this.#labelInputs.length;
    const unflushed = this.#unflushed;
    const finish = this.#writer.finish({ endedAt, outcome, steps, dropped });
    this.#chain = this.#chain
      .then(() => finish)
      .then(() => {
        this.onFlushed(unflushed, this.#writer.bytesWritten);
        const labels = labelSteps(this.#labelInputs, this.#rewinds, this.meta.kind);
        // Queued behind the insert (same catalog queue), so the row gets its final counts even if both wait for a lock.
        const written = this.#catalogWrite('finish', () =>
          this.#catalog.finish(this.meta.episodeId, {
            ...summarizeLabels(labels, this.#labelInputs),
            endedAt,
            outcome,
            steps,
            operators: [...this.#operators].sort(),
            droppedSteps: dropped,
            bytes: this.#writer.bytesWritten,
            status: 'complete',
          }),
        );
        // the journal is closed and synced and its row says so: it may be uploaded (off this chain)
        if (this.onFinished) void written.then((ok) => ok && this.onFinished!(this.meta.episodeId));
      })
      .catch((err) => this.#fail(err));
    return this.#chain;
  }

  /** The episode clock as ms since the epoch (loop-clock log times). */
  #loopMs(t: number): number {
    return this.meta.startedAt + (Number.isFinite(t) ? t * 1000 : 0);
  }

  /** Resolves when everything queued so far is written to the file. */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Resolves (never rejects) when the catalog writes started so far are done or given up. */
  rowSettled(): Promise<void> {
    return this.#chain.then(() => this.#row);
  }

  /** Starts a catalog write; a failure is reported and never stops the journal (recovery indexes the file). Resolves true once written. */
  #catalogWrite(what: string, write: () => Promise<void>): Promise<boolean> {
    const p = write().then(
      () => true,
      (err: Error) => {
        if (err instanceof CatalogWriteAbandonedError) return false; // the recorder reports these once, at close
        this.onError(new Error(`recorder: episode ${this.meta.episodeId}: catalog ${what} failed (the journal is unaffected; recovery rebuilds the row from it): ${err.message}`));
        return false;
      },
    );
    this.#row = this.#row.then(() => p.then(() => {}));
    return p;
  }

  #fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const e = err instanceof Error ? err : new Error(String(err));
    this.onError(new Error(`recorder: episode ${this.meta.episodeId} stopped recording (the file stays recoverable up to its last chunk): ${e.message}`));
    this.#writer.abandon().catch(() => {});
  }
}

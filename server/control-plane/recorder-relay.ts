import type { Outcome, Step } from '../../core/step.ts';
import type { EpisodeEvent, EpisodeMeta, RecorderPort } from '../control/recorder-port.ts';

/** One recorder call, as it crosses from the control thread to the recorder. */
export type RecorderOp =
  | { k: 'begin'; meta: EpisodeMeta }
  | { k: 'step'; step: Step }
  | { k: 'event'; id: string; e: EpisodeEvent }
  | { k: 'end'; id: string; outcome: Outcome };

/**
 * The recorder as the control thread sees it: every call is an array push; the calls of a tick
 * leave together in one message after it (setImmediate), so recording costs a loop one structured
 * clone per batch and never waits on the disk or the catalog.
 */
export class RecorderRelay implements RecorderPort {
  #ops: RecorderOp[] = [];
  #soon: NodeJS.Immediate | null = null;
  #post: (ops: RecorderOp[]) => void;

  constructor(post: (ops: RecorderOp[]) => void) {
    this.#post = post;
  }

  beginEpisode(meta: EpisodeMeta): void { this.#push({ k: 'begin', meta }); }
  appendStep(step: Step): void { this.#push({ k: 'step', step }); }
  appendEvent(episodeId: string, e: EpisodeEvent): void { this.#push({ k: 'event', id: episodeId, e }); }
  endEpisode(episodeId: string, outcome: Outcome): void { this.#push({ k: 'end', id: episodeId, outcome }); }

  #push(op: RecorderOp): void {
    this.#ops.push(op);
    this.#soon ??= setImmediate(() => this.flush());
  }

  /** Sends what is waiting now (also called before the thread stops). */
  flush(): void {
    if (this.#soon) clearImmediate(this.#soon);
    this.#soon = null;
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    this.#ops = [];
    this.#post(ops);
  }
}

/** Replays relayed recorder calls on the real recorder (network side). */
export function applyRecorderOps(rec: RecorderPort, ops: readonly RecorderOp[]): void {
  for (const op of ops) {
    if (op.k === 'begin') rec.beginEpisode(op.meta);
    else if (op.k === 'step') rec.appendStep(op.step);
    else if (op.k === 'event') rec.appendEvent(op.id, op.e);
    else rec.endEpisode(op.id, op.outcome);
  }
}

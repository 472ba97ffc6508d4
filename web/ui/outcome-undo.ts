import { h } from './dom.ts';

export type Outcome = 'success' | 'failure';

/** The grace before an outcome mark leaves (ms): ending an episode and feeding training is one click. */
export const OUTCOME_GRACE_MS = 3000;

/**
 * Success / Failure end the episode at once, so a click is held for a few seconds with an Undo
 * before the mark is sent. `send` runs when the grace runs out, with the episode it was meant for.
 */
export class OutcomeUndo {
  readonly el: HTMLElement;
  pending: { outcome: Outcome; episodeId: string | null; sendAt: number } | null = null;
  readonly #text: HTMLElement;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;

  constructor(readonly send: (outcome: Outcome, episodeId: string | null) => void, readonly graceMs = OUTCOME_GRACE_MS) {
    this.#text = h('span', { 'data-testid': 'outcome-pending-text' });
    this.el = h('div', { class: 'outcome-pending', 'data-testid': 'outcome-pending', hidden: true, role: 'status' },
      this.#text, h('button', { type: 'button', class: 'undo', 'data-testid': 'outcome-undo', text: 'Undo', onclick: () => this.cancel() }));
  }

  /** Holds a mark for the grace period; a second click replaces the first (one mark per episode). */
  start(outcome: Outcome, episodeId: string | null): void {
    this.cancel();
    this.pending = { outcome, episodeId, sendAt: performance.now() + this.graceMs };
    this.#timer = setTimeout(() => {
      const p = this.pending;
      this.cancel();
      if (p) this.send(p.outcome, p.episodeId);
    }, this.graceMs);
    this.#tick = setInterval(() => this.#draw(), 200);
    this.#draw();
  }

  /** Drops the held mark, if any. */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#tick) clearInterval(this.#tick);
    this.#timer = this.#tick = null;
    this.pending = null;
    this.el.hidden = true;
  }

  #draw(): void {
    const p = this.pending;
    if (!p) return;
    const s = Math.max(0, Math.ceil((p.sendAt - performance.now()) / 1000));
    this.#text.textContent = `Marking ${p.outcome === 'success' ? 'Success' : 'Failure'} in ${s} s`;
    this.el.dataset.outcome = p.outcome;
    this.el.hidden = false;
  }
}

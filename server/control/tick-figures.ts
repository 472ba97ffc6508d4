import { LogHistogram } from './log-histogram.ts';

/** What the control thread's own time went to, over the current measurement window (ms unless named). */
export interface TickFiguresReading {
  /** scheduler wake-ups: how late the thread started a run of due ticks (timer, kernel, a busy event loop) */
  wakeLateP50Ms: number | null;
  wakeLateP99Ms: number | null;
  wakeLateMaxMs: number | null;
  /**
   * runs of due ticks the thread was ready for only after their due time (other work of the thread
   * ran past it: a command batch, a frame flush, a status step, a collection), and their lateness;
   * the other late wake-ups slept and were woken late (the kernel, the machine)
   */
  lateAfterWork: number;
  lateAfterWorkP99Ms: number | null;
  /** lateness of the runs that slept until due: the kernel's wake-up */
  wokeFromSleepP99Ms: number | null;
  /** one loop's tick: bridge I/O, policy, arbiter, pipeline, rewind capture, recording */
  tickP50Ms: number | null;
  tickP99Ms: number | null;
  tickMaxMs: number | null;
  /** share of the window's wall time spent inside ticks (0..1; null before a window has run) */
  busyShare: number | null;
  /** other work on the thread between ticks (commands, frames, status): each task's duration */
  workP99Ms: number | null;
  workMaxMs: number | null;
  /** share of the window's wall time in that other work */
  workShare: number | null;
  /** the longest tasks of the window (ticks and other work over 1 ms), longest first */
  slowest: Array<{ what: string; ms: number }>;
  /** messages taken in the pre-tick sleep, woken by their doorbell (not after the tick) */
  sleepMessages: number;
}

/** how many of the longest tasks are kept, and the least a task must take to be one */
const SLOWEST = 5;
const SLOW_FLOOR_S = 0.001;

const ms = (s: number) => (Number.isFinite(s) ? s * 1000 : null);

/**
 * The scheduler's own figures, to split a late tick into "the thread woke late" and "it queued
 * behind other robots' ticks" (docs/architecture.md "Threads"). Histograms: the whole window, nothing grows per tick.
 */
export class TickFigures {
  readonly wakeLate = new LogHistogram();
  readonly #afterWork = new LogHistogram();
  readonly #fromSleep = new LogHistogram();
  readonly tickTime = new LogHistogram();
  readonly workTime = new LogHistogram();
  #busy = 0;
  #work = 0;
  #sleepMessages = 0;
  #slowest: Array<{ what: string; s: number }> = [];
  #since = NaN;
  #last = NaN;

  /** a run of due ticks began `lateS` after the earliest was due, at `now`; `afterWork`: the thread was not ready (asleep) before it was due */
  woke(lateS: number, now: number, afterWork = false): void {
    this.wakeLate.push(Math.max(0, lateS));
    (afterWork ? this.#afterWork : this.#fromSleep).push(Math.max(0, lateS));
    if (!Number.isFinite(this.#since)) this.#since = now;
    this.#last = now;
  }

  /** one loop's tick took `s` seconds, ending at `now` */
  ticked(s: number, now: number): void {
    this.tickTime.push(s);
    this.#busy += s;
    this.#last = now;
  }

  /** a task between ticks (a batch of commands, a frame flush) took `s` seconds, ending at `now` */
  worked(s: number, now: number): void {
    this.workTime.push(s);
    this.#work += s;
    if (!Number.isFinite(this.#since)) this.#since = now - s;
    this.#last = Math.max(this.#last, now);
  }

  /** `n` messages were taken in the pre-tick sleep */
  tookInSleep(n: number): void {
    this.#sleepMessages += n;
  }

  /** the least a task must take to enter the longest tasks (callers build a label only above it) */
  get slowFloorS(): number {
    return this.#slowest.length < SLOWEST ? SLOW_FLOOR_S : this.#slowest[SLOWEST - 1].s;
  }

  /** a task that took `s` seconds, longer than slowFloorS */
  noteSlow(what: string, s: number): void {
    if (s <= this.slowFloorS) return;
    this.#slowest.push({ what, s });
    this.#slowest.sort((a, b) => b.s - a.s);
    if (this.#slowest.length > SLOWEST) this.#slowest.length = SLOWEST;
  }

  /** starts a new window */
  reset(): void {
    this.wakeLate.clear();
    this.#afterWork.clear();
    this.#fromSleep.clear();
    this.tickTime.clear();
    this.workTime.clear();
    this.#busy = 0;
    this.#work = 0;
    this.#sleepMessages = 0;
    this.#slowest = [];
    this.#since = NaN;
    this.#last = NaN;
  }

  read(): TickFiguresReading {
    const [w50, w99, wMax] = [50, 99, 100].map((p) => this.wakeLate.percentile(p));
    const [t50, t99, tMax] = [50, 99, 100].map((p) => this.tickTime.percentile(p));
    const [k99, kMax] = [99, 100].map((p) => this.workTime.percentile(p));
    const span = this.#last - this.#since;
    return {
      wakeLateP50Ms: ms(w50), wakeLateP99Ms: ms(w99), wakeLateMaxMs: ms(wMax),
      lateAfterWork: this.#afterWork.count, lateAfterWorkP99Ms: ms(this.#afterWork.percentile(99)), wokeFromSleepP99Ms: ms(this.#fromSleep.percentile(99)),
      tickP50Ms: ms(t50), tickP99Ms: ms(t99), tickMaxMs: ms(tMax),
      busyShare: span > 0 && this.tickTime.count > 0 ? Math.min(1, this.#busy / span) : null,
      workP99Ms: ms(k99), workMaxMs: ms(kMax),
      workShare: span > 0 && this.workTime.count > 0 ? Math.min(1, this.#work / span) : null,
      slowest: this.#slowest.map((x) => ({ what: x.what, ms: x.s * 1000 })),
      sleepMessages: this.#sleepMessages,
    };
  }
}

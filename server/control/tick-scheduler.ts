import { wallClock, type Clock } from './clock.ts';

/** Something the scheduler ticks: `tick(due)` with the time the tick was due. */
export interface Tickable {
  readonly dt: number;
  tick(due: number): void;
}

interface Entry {
  loop: Tickable;
  next: number;
}

export interface TickSchedulerOptions {
  clock?: Clock;
  /**
   * The last `spinMs` before a tick are waited out with setImmediate instead of a timer, because
   * Node timers fire up to ~1 ms late. Costs CPU in proportion, so it is cut down to keep the
   * busy-wait under a quarter of a core (16 loops at 50 Hz: 0.31 ms each); 0 = timers only.
   */
  spinMs?: number;
  /** a tick that threw (the loop is then e-stopped by its owner) */
  onError?: (loop: Tickable, err: unknown) => void;
}

/**
 * Runs control loops on the wall clock. Loops are spread over the period (phase offsets) so that
 * many robots at the same rate do not queue behind each other; each tick learns when it was due,
 * so loops measure their own jitter. A loop that falls more than a period behind skips ahead
 * (counted in `overruns`) instead of bursting.
 */
export class TickScheduler {
  readonly #clock: Clock;
  readonly #spinMax: number;
  #spin: number;
  readonly #onError: (loop: Tickable, err: unknown) => void;
  #entries: Entry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #running = false;
  overruns = 0;

  /** the busy-wait in use before each tick, ms */
  get spinMs(): number {
    return this.#spin * 1000;
  }

  constructor({ clock = wallClock, spinMs = 1, onError = () => {} }: TickSchedulerOptions = {}) {
    this.#clock = clock;
    this.#spinMax = spinMs / 1000;
    this.#spin = this.#spinMax;
    this.#onError = onError;
  }

  /** Adds loops, phases spread evenly over their period. */
  add(loops: Tickable[]): void {
    const t0 = this.#clock.now();
    loops.forEach((loop, i) => this.#entries.push({ loop, next: t0 + loop.dt * (1 + i / loops.length) }));
    // Busy-waiting is bounded to a quarter of a core: many robots get a shorter spin each.
    let ticksPerSecond = 0;
    for (const e of this.#entries) ticksPerSecond += 1 / e.loop.dt;
    this.#spin = Math.min(this.#spinMax, 0.25 / ticksPerSecond);
    if (this.#running) this.#schedule();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #schedule(): void {
    if (!this.#running || this.#entries.length === 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
    let next = Infinity;
    for (const e of this.#entries) if (e.next < next) next = e.next;
    const wait = next - this.#clock.now() - this.#spin;
    if (wait > 0.0005) this.#timer = setTimeout(() => this.#run(), wait * 1000);
    else this.#immediate = setImmediate(() => this.#run());
  }

  #run(): void {
    this.#timer = null;
    this.#immediate = null;
    if (!this.#running) return;
    for (const e of this.#entries) {
      const now = this.#clock.now();
      // 1 us of tolerance: float sums of periods must not leave a tick forever "almost due"
      if (e.next > now + 1e-6) continue;
      try {
        e.loop.tick(e.next);
      } catch (err) {
        this.#onError(e.loop, err);
      }
      e.next += e.loop.dt;
      const after = this.#clock.now();
      if (e.next < after - e.loop.dt) {
        this.overruns++;
        e.next = after + e.loop.dt;
      }
    }
    this.#schedule();
  }
}

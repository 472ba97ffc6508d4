import { wallClock, type Clock } from './clock.ts';
import { TickFigures } from './tick-figures.ts';

/** Something the scheduler ticks: `tick(due)` with the time the tick was due. */
export interface Tickable {
  readonly dt: number;
  /** names the loop in the thread's figures (its robot) */
  readonly robotId?: string;
  tick(due: number): void;
  /** a short slice of work that may run between ticks (a simulator's physics step); true when it did some */
  betweenTicks?(): boolean;
}

// the cell Atomics.wait sleeps on: nobody ever notifies it, so every wait runs to its timeout
const cell = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the calling thread in the kernel for `ms` (fractions count). */
function sleepThread(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}

interface Entry {
  loop: Tickable;
  next: number;
  /** its between-ticks work threw once: from then on it does all its work in its ticks */
  noSlices?: boolean;
}

export interface TickSchedulerOptions {
  clock?: Clock;
  /**
   * The last `spinMs` before a tick are slept out with Atomics.wait instead of trusting a timer:
   * libuv timers count whole milliseconds of a cached loop time and fire up to ~1-2 ms late, while
   * the kernel wakes a sleeping thread within tens of microseconds. The thread sleeps (no CPU);
   * messages arriving meanwhile wait at most this long, unless a doorbell ends the sleep for them
   * (`wakeOn`). 0 = timers only (fake-timer tests).
   */
  spinMs?: number;
  /** sleeps the thread for `ms` (tests: a fake clock); default Atomics.wait */
  sleep?: (ms: number) => void;
  /** a tick that threw (the loop is then e-stopped by its owner) */
  onError?: (loop: Tickable, err: unknown) => void;
}

/** A bell other threads ring when they post this thread a message (server/control-plane/doorbell.ts). */
export interface TickBell {
  read(): number;
  /** sleeps until rung after `seen` or `ms` pass; true when rung */
  wait(seen: number, ms: number): boolean;
}

/** closer to a tick than this, a rung bell (or a batch of commands: nearTick) waits for after the tick: running it then would make the tick late */
const BELL_GUARD_S = 0.0002;
/** closer to a tick than this, no slice of between-ticks work starts (a physics step takes ~0.03-0.1 ms) */
const SLICE_GUARD_S = 0.0003;

/**
 * Runs control loops on the wall clock. Loops are spread over the period (phase offsets) so that
 * many robots at the same rate do not queue behind each other; each tick learns when it was due,
 * so loops measure their own jitter. A timer wakes the thread shortly before a tick is due and the
 * rest is slept out precisely (`spinMs`). A loop that falls more than a period behind skips ahead
 * (counted in `overruns`) instead of bursting.
 */
export class TickScheduler {
  readonly #clock: Clock;
  readonly #spin: number;
  readonly #onError: (loop: Tickable, err: unknown) => void;
  #entries: Entry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #running = false;
  readonly #sleep: (ms: number) => void;
  #bell: { bell: TickBell; onRing: () => number; heard: number } | null = null;
  /** where the next search for between-ticks work starts (round robin over the loops) */
  #cursor = 0;
  overruns = 0;
  /** wake-up lateness and tick durations of this thread (status, benchmarks) */
  readonly figures = new TickFigures();

  /** the precise sleep before each tick, ms */
  get spinMs(): number {
    return this.#spin * 1000;
  }

  constructor({ clock = wallClock, spinMs = 2, sleep = sleepThread, onError = () => {} }: TickSchedulerOptions = {}) {
    this.#clock = clock;
    this.#sleep = sleep;
    this.#spin = spinMs / 1000;
    this.#onError = onError;
  }

  /**
   * Sleeps the precise pre-tick sleep on `bell` instead: when it rings with more than a fraction
   * of a millisecond to go, `onRing` runs (it takes the messages waiting and says how many: a
   * teleop or an e-stop then lands before the tick, not after it), and the sleep goes on.
   */
  wakeOn(bell: TickBell, onRing: () => number): void {
    this.#bell = { bell, onRing, heard: bell.read() };
  }

  /**
   * Whether a tick is due within a fraction of a millisecond (or overdue): work that can wait
   * (a batch of commands) should then run after it, not make it late.
   */
  nearTick(): boolean {
    return this.#running && this.#nextDue() - this.#clock.now() <= BELL_GUARD_S;
  }

  /** when the earliest loop's next tick is due (Infinity without loops) */
  #nextDue(): number {
    let next = Infinity;
    for (const e of this.#entries) if (e.next < next) next = e.next;
    return next;
  }

  /** Adds loops, phases spread evenly over their period. */
  add(loops: Tickable[]): void {
    const t0 = this.#clock.now();
    loops.forEach((loop, i) => this.#entries.push({ loop, next: t0 + loop.dt * (1 + i / loops.length) }));
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
    const next = this.#nextDue();
    const wait = next - this.#clock.now() - this.#spin;
    // the timer aims spinMs early; the event loop turns once more (messages) before the sleep
    if (wait > 0.0005) this.#timer = setTimeout(() => this.#run(next), wait * 1000);
    else this.#immediate = setImmediate(() => this.#run(next));
  }

  #run(next: number): void {
    this.#timer = null;
    this.#immediate = null;
    if (!this.#running) return;
    // past the due time before any sleep: the thread's own work made this run late, not the kernel
    const afterWork = this.#clock.now() > next;
    if (this.#spin > 0) this.#sleepUntil(next);
    if (!this.#running) return;
    const woke = this.#clock.now();
    this.figures.woke(woke - next, woke, afterWork);
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
      this.figures.ticked(after - now, after);
      if (after - now > this.figures.slowFloorS) this.figures.noteSlow(`tick ${e.loop.robotId ?? '?'}`, after - now);
      if (e.next < after - e.loop.dt) {
        this.overruns++;
        e.next = after + e.loop.dt;
      }
    }
    this.#schedule();
  }

  #sleepUntil(next: number): void {
    const b = this.#bell;
    let left = next - this.#clock.now();
    // a slice of the loops' between-ticks work at a time, messages first when the bell rang; then sleep
    while (left > 0 && this.#running) {
      const rung = b ? b.bell.read() : 0;
      if (b && rung !== b.heard && left > BELL_GUARD_S) {
        b.heard = rung;
        this.figures.tookInSleep(b.onRing());
      } else if (left > SLICE_GUARD_S && this.#slice()) {
        // took one slice; look at the bell again before the next
      } else if (!b) {
        return void this.#sleep(Math.min(left, 2 * this.#spin) * 1000);
      } else {
        // bounded by the time left: at most 2 * spinMs, however often the bell rings
        b.bell.wait(rung, Math.min(left, 2 * this.#spin) * 1000);
        // rung too close to the tick: the message waits for the event loop, after the tick
        if (next - this.#clock.now() <= BELL_GUARD_S) return;
      }
      left = next - this.#clock.now();
    }
  }

  /** Runs one loop's between-ticks slice, round robin from the last; false when no loop had any. */
  #slice(): boolean {
    const n = this.#entries.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#cursor + k) % n;
      const e = this.#entries[i];
      if (!e.loop.betweenTicks || e.noSlices) continue;
      const t0 = this.#clock.now();
      let did: boolean;
      try {
        did = e.loop.betweenTicks();
      } catch (err) {
        did = false;
        e.noSlices = true;
        this.#onError(e.loop, err);
      }
      if (!did) continue;
      this.#cursor = (i + 1) % n;
      const t1 = this.#clock.now();
      this.figures.worked(t1 - t0, t1);
      if (t1 - t0 > this.figures.slowFloorS) this.figures.noteSlow(`between ticks ${e.loop.robotId ?? '?'}`, t1 - t0);
      return true;
    }
    return false;
  }
}

/** Time source of a control loop, in seconds (monotonic). Wall clock live; simulated for evaluation and tests. */
export interface Clock {
  now(): number;
}

/** The process's monotonic wall clock. */
export const wallClock: Clock = { now: () => performance.now() / 1000 };

/** A clock that moves only when told to: simulated time for tests and faster-than-real-time runs. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start = 0) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  /** moves time forward by dt seconds (never backwards) */
  advance(dt: number): void {
    if (!(dt >= 0)) throw new Error(`ManualClock#advance: dt must be >= 0, got ${dt}`);
    this.#t += dt;
  }
}

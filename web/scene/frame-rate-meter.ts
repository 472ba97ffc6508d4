/** Frames per second over a sliding window of frame timestamps (ms). */
export class FrameRateMeter {
  readonly #times: number[] = [];
  frames = 0;

  constructor(readonly windowMs = 2000) {}

  tick(tMs: number): void {
    this.frames++;
    this.#times.push(tMs);
    while (this.#times.length > 2 && this.#times[0] < tMs - this.windowMs) this.#times.shift();
  }

  /** Frames per second in the window, 0 until two frames were seen. */
  get fps(): number {
    const n = this.#times.length;
    if (n < 2) return 0;
    const span = this.#times[n - 1] - this.#times[0];
    return span > 0 ? ((n - 1) * 1000) / span : 0;
  }
}

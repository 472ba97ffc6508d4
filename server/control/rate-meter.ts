/** Fixed-size ring of samples with percentile read-out (for status pages and benches; read rarely). */
export class SampleRing {
  readonly #buf: Float64Array;
  #n = 0;
  #i = 0;
  constructor(size = 1024) {
    this.#buf = new Float64Array(size);
  }
  push(x: number): void {
    this.#buf[this.#i] = x;
    this.#i = (this.#i + 1) % this.#buf.length;
    if (this.#n < this.#buf.length) this.#n++;
  }
  get count(): number {
    return this.#n;
  }
  /** p-th percentile (0..100), nearest rank; NaN when empty */
  percentile(p: number): number {
    if (this.#n === 0) return NaN;
    const s = this.#buf.slice(0, this.#n).sort();
    return s[Math.min(this.#n - 1, Math.max(0, Math.ceil((p / 100) * this.#n) - 1))];
  }
  /** several percentiles (0..100, nearest rank) from one sort; NaN each when empty */
  percentiles(ps: readonly number[]): number[] {
    if (this.#n === 0) return ps.map(() => NaN);
    const s = this.#buf.slice(0, this.#n).sort();
    return ps.map((p) => s[Math.min(this.#n - 1, Math.max(0, Math.ceil((p / 100) * this.#n) - 1))]);
  }

  /** a copy of the samples held, oldest first not guaranteed */
  values(): Float64Array {
    return this.#buf.slice(0, this.#n);
  }
  clear(): void {
    this.#n = 0;
    this.#i = 0;
  }
}

/** Measures a loop's real tick rate (from tick start times) and its jitter (start minus due time). */
export class RateMeter {
  readonly jitter = new SampleRing(4096);
  #last = NaN;
  #period = NaN;
  ticks = 0;

  /** records one tick that started at `now` and was due at `due` (s) */
  record(now: number, due: number): void {
    this.ticks++;
    if (Number.isFinite(this.#last)) {
      const dt = now - this.#last;
      // exponential average over ~50 ticks: stable enough to read, quick to follow a change
      this.#period = Number.isFinite(this.#period) ? this.#period + 0.02 * (dt - this.#period) : dt;
    }
    this.#last = now;
    this.jitter.push(Math.max(0, now - due));
  }

  /** measured ticks per second, NaN before two ticks */
  get rateHz(): number {
    return this.#period > 0 ? 1 / this.#period : NaN;
  }
}

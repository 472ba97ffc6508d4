/**
 * Counts of positive durations in logarithmic buckets (24 per decade, about 10% wide, from 1 us to
 * 100 s): constant memory and O(1) per sample however long the window, percentiles within a bucket's
 * width. For figures a ring of samples would truncate (hundreds of wake-ups a second).
 */
export class LogHistogram {
  static readonly PER_DECADE = 24;
  static readonly MIN = 1e-6;
  static readonly DECADES = 8;
  readonly #counts = new Float64Array(LogHistogram.PER_DECADE * LogHistogram.DECADES + 2);
  #n = 0;
  #max = 0;

  /** adds one sample (seconds; <= 1 us counts in the lowest bucket) */
  push(x: number): void {
    if (!(x >= 0)) return;
    const b = x <= LogHistogram.MIN ? 0 : Math.min(this.#counts.length - 1, 1 + Math.floor(Math.log10(x / LogHistogram.MIN) * LogHistogram.PER_DECADE));
    this.#counts[b]++;
    this.#n++;
    if (x > this.#max) this.#max = x;
  }

  get count(): number {
    return this.#n;
  }

  /** the upper edge of the bucket holding the p-th percentile (0..100); the exact maximum for 100; NaN when empty */
  percentile(p: number): number {
    if (this.#n === 0) return NaN;
    if (p >= 100) return this.#max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#n));
    let seen = 0;
    for (let b = 0; b < this.#counts.length; b++) {
      seen += this.#counts[b];
      if (seen >= rank) return Math.min(this.#max, LogHistogram.MIN * 10 ** (b / LogHistogram.PER_DECADE));
    }
    return this.#max;
  }

  clear(): void {
    this.#counts.fill(0);
    this.#n = 0;
    this.#max = 0;
  }
}

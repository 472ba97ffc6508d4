/**
 * A token bucket: `rate` tokens per second flow in up to `burst`; a rate of 0 means no limit.
 * Time is passed in (ms, any monotonic clock) so that callers reuse the stamp they already took.
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #at: number;

  constructor(rate: number, burst: number, nowMs: number) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#at = nowMs;
  }

  /** Takes `n` tokens if that many are there (then true); otherwise takes nothing and returns false. */
  take(n: number, nowMs: number): boolean {
    if (this.rate === 0) return true;
    this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#at) * this.rate) / 1000);
    this.#at = nowMs;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

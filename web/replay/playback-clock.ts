/**
 * Replay position over recorded step times (pure; the view calls `advance` each frame). Speed
 * scales wall time; scrubbing sets the position; playback stops at the end.
 */
export class PlaybackClock {
  playing = false;
  speed = 1;
  /** episode time, s */
  time = 0;

  constructor(readonly times: readonly number[]) {
    this.time = times[0] ?? 0;
  }

  get duration(): number {
    return this.times.length ? this.times[this.times.length - 1] - this.times[0] : 0;
  }

  /** Advances by dtWall seconds of wall time; returns the current step index. */
  advance(dtWall: number): number {
    if (this.playing && this.times.length) {
      this.time += dtWall * this.speed;
      const end = this.times[this.times.length - 1];
      if (this.time >= end) {
        this.time = end;
        this.playing = false;
      }
    }
    return this.index;
  }

  /** Jumps to a fraction [0, 1] of the episode. */
  scrubTo(fraction: number): number {
    const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    this.time = (this.times[0] ?? 0) + f * this.duration;
    return this.index;
  }

  /** Jumps to step index i (clamped): the scrubber is laid out by step, like the segments. */
  scrubToIndex(i: number): number {
    if (this.times.length === 0) return -1;
    const k = Math.min(this.times.length - 1, Math.max(0, Number.isFinite(i) ? Math.round(i) : 0));
    this.time = this.times[k];
    return this.index;
  }

  /** Index of the last step at or before the current time (binary search). */
  get index(): number {
    const t = this.times;
    if (t.length === 0) return -1;
    let lo = 0, hi = t.length - 1;
    if (this.time <= t[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (t[mid] <= this.time) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get fraction(): number {
    return this.duration > 0 ? (this.time - this.times[0]) / this.duration : 0;
  }
}

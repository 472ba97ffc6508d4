import { LogHistogram } from '../control/log-histogram.ts';

/** Where a teleop's time went before its command reached the bridge (GET /api/status `controlThread.teleopPath`), ms. */
export interface TeleopPathReading {
  /** teleops timed (those the loop ran; superseded ones are answered, not run) */
  count: number;
  /** on the network thread: frame arrival -> posted to the control thread (decode, checks, routing) */
  networkP50Ms: number | null;
  networkP99Ms: number | null;
  /** posted -> read by the control thread (the thread was asleep or ticking) */
  hopP50Ms: number | null;
  hopP99Ms: number | null;
  /** read -> run, in the control thread's inbox (behind other commands of the batch, or a tick) */
  queuedP50Ms: number | null;
  queuedP99Ms: number | null;
}

const ms = (s: number) => (Number.isFinite(s) ? s * 1000 : null);

/**
 * Splits the teleop latency (frame received -> command handed to the bridge) into its legs, so
 * that a high `commandLatencyP99Ms` says where it came from. Times are `performance.now()` of the
 * two threads, which share the process's time origin.
 */
export class TeleopPath {
  readonly #network = new LogHistogram();
  readonly #hop = new LogHistogram();
  readonly #queued = new LogHistogram();

  /** a teleop that arrived at `atMs`, was posted at `postedMs` (undefined: in-process, no hop), read at `readMs`, run at `runMs` */
  ran(atMs: number, postedMs: number | undefined, readMs: number, runMs: number): void {
    const posted = postedMs ?? readMs;
    this.#network.push((posted - atMs) / 1000);
    this.#hop.push((readMs - posted) / 1000);
    this.#queued.push((runMs - readMs) / 1000);
  }

  /** starts a new window */
  reset(): void {
    this.#network.clear();
    this.#hop.clear();
    this.#queued.clear();
  }

  read(): TeleopPathReading {
    const p = (h: LogHistogram, q: number) => ms(h.percentile(q));
    return {
      count: this.#queued.count,
      networkP50Ms: p(this.#network, 50), networkP99Ms: p(this.#network, 99),
      hopP50Ms: p(this.#hop, 50), hopP99Ms: p(this.#hop, 99),
      queuedP50Ms: p(this.#queued, 50), queuedP99Ms: p(this.#queued, 99),
    };
  }
}

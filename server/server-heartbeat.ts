import type { FleetRobot } from './fleet-snapshot.ts';

/** The default period of a server's heartbeat in a shared database, ms. */
export const DEFAULT_SERVER_HEARTBEAT_MS = 2000;

export interface ServerHeartbeatOptions {
  periodMs: number;
  /** the robots now (asks the control side for its latest snapshot; never waits on a tick) */
  robots: () => Promise<FleetRobot[]>;
  /** writes one heartbeat */
  write: (robots: FleetRobot[]) => Promise<void>;
  /** the first failure of a run of failures (one line per outage, not one per period) */
  onFailure: (err: Error) => void;
  /** heartbeats go through again after failures */
  onRecovered: (failures: number) => void;
}

/**
 * A heartbeat every period on the network thread's event loop: a snapshot of the robots, then one
 * write. The next one is timed from the end of the last, so a slow database never stacks writes;
 * a failed write is reported once and tried again next period. The timer does not keep the
 * process alive.
 */
export class ServerHeartbeat {
  readonly #o: ServerHeartbeatOptions;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  #failures = 0;
  #running = false;

  constructor(o: ServerHeartbeatOptions) {
    this.#o = o;
  }

  /** Beats once now (awaited), then every period until stop(). */
  async start(): Promise<void> {
    this.#running = true;
    await this.beatNow();
  }

  /** One heartbeat now unless one is being written (then that one); the period restarts after it. */
  beatNow(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#inFlight = this.#beat().finally(() => {
      this.#inFlight = null;
      if (this.#running) {
        this.#timer = setTimeout(() => void this.beatNow(), this.#o.periodMs);
        this.#timer.unref();
      }
    });
    return this.#inFlight;
  }

  /**
   * Stops beating. A write in flight is waited for at most `maxWaitMs`, so that a database that
   * hangs cannot hold up the server's stop. Other servers see this one go stale unless it is then
   * marked stopped.
   */
  async stop(maxWaitMs = 5000): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#inFlight) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#inFlight, new Promise<void>((r) => (timer = setTimeout(r, maxWaitMs)))]);
    clearTimeout(timer);
  }

  async #beat(): Promise<void> {
    try {
      await this.#o.write(await this.#o.robots());
      if (this.#failures > 0) this.#o.onRecovered(this.#failures);
      this.#failures = 0;
    } catch (err) {
      if (this.#failures++ === 0) this.#o.onFailure(err as Error);
    }
  }
}

import type { Clock } from './clock.ts';

/**
 * Rate-limits the log lines of a robot's policy errors: the first at once, then at most one line
 * per `intervalS` on the loop clock, counting those not logged, so a policy that throws every
 * tick is seen in the log without flooding it.
 */
export class PolicyErrorLog {
  #clock: Clock;
  #intervalS: number;
  #write: (msg: string) => void;
  #lastAt = -Infinity;
  #loggedCount = 0;

  constructor(clock: Clock, write: (msg: string) => void, intervalS = 10) {
    this.#clock = clock;
    this.#write = write;
    this.#intervalS = intervalS;
  }

  /** One more policy error (`count`: errors so far, this one included). */
  report(message: string, count: number): void {
    const now = this.#clock.now();
    if (now - this.#lastAt < this.#intervalS) return;
    const since = count - this.#loggedCount;
    const quiet = since > 1 ? `; ${since - 1} more since the last line` : '';
    this.#write(`policy error (${count} so far${quiet}): ${message}`);
    this.#lastAt = now;
    this.#loggedCount = count;
  }
}

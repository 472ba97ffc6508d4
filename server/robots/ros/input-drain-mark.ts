import type { Clock } from '../../control/clock.ts';

/**
 * The loop-clock time up to which this thread has read the input waiting in its sockets, so that
 * a watchdog judges a peer silent only over time in which its messages could have been read: a
 * stall of the event loop is not silence of the peer, since what arrived meanwhile waits in the
 * socket and is read in the next poll phase.
 *
 * Node's loop runs poll (sockets are read) -> check (setImmediate) -> timers -> ... -> poll. A time
 * read in a check-phase callback is followed by a whole poll phase before the next check phase,
 * so it is committed there: everything that arrived before it has been read and handled by then.
 * One step would not do: a time read in the check phase right after a poll callback that stalled
 * is later than data that came in during the stall on another socket, still unread.
 */
export class InputDrainMark {
  #clock: Clock;
  #drainedAt = -Infinity;
  #step: NodeJS.Immediate | null = null;
  /** the pending step has read its time: a request now needs a later one */
  #stamped = false;
  #again = false;
  #deadline: NodeJS.Timeout | null = null;
  /** performance.now() of the requestIn deadline: moved on every call without touching the timer */
  #dueAt = NaN;
  #firesAt = NaN;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Loop-clock time before which all input has been read (-Infinity before the first mark). */
  get drainedAt(): number {
    return this.#drainedAt;
  }

  /** Asks for a mark after the next poll phase; cheap to call on every tick. */
  request(): void {
    if (this.#step) {
      if (this.#stamped) this.#again = true;
      return;
    }
    this.#stamped = false;
    this.#step = setImmediate(() => this.#stamp());
  }

  /**
   * Asks for a mark `seconds` from now (real time), replacing the previous such request: a watchdog
   * puts its deadline here so that silence is marked when it starts to count, not a tick later.
   */
  requestIn(seconds: number): void {
    this.#dueAt = performance.now() + seconds * 1000;
    if (this.#deadline && this.#firesAt <= this.#dueAt) return; // it re-checks the due time when it fires
    this.#clearDeadline();
    this.#armDeadline();
  }

  /** Cancels pending marks (the input is closed); `drainedAt` keeps its value. */
  stop(): void {
    if (this.#step) clearImmediate(this.#step);
    this.#step = null;
    this.#stamped = this.#again = false;
    this.#clearDeadline();
  }

  #stamp(): void {
    const t = this.#clock.now();
    this.#stamped = true;
    this.#step = setImmediate(() => {
      this.#step = null;
      this.#stamped = false;
      if (t > this.#drainedAt) this.#drainedAt = t;
      if (this.#again) {
        this.#again = false;
        this.request();
      }
    });
  }

  #armDeadline(): void {
    // timers count from the loop's cached time and may fire a little early: re-arm for what is left
    const left = this.#dueAt - performance.now();
    if (left <= 0) {
      this.#deadline = null;
      this.request();
      return;
    }
    this.#firesAt = performance.now() + Math.ceil(left);
    this.#deadline = setTimeout(() => this.#armDeadline(), Math.ceil(left));
    this.#deadline.unref(); // a watchdog never keeps the process alive
  }

  #clearDeadline(): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = null;
  }
}

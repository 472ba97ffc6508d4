/**
 * A backoff sleep that another caller can cut short: a queue waiting out a retry delay wakes at
 * once when it is closed (one sleeper at a time).
 */
export class WakeableSleep {
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  /** Resolves after `ms`, or earlier on `wake()`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleep = { timer: setTimeout(() => this.wake(), ms), wake: resolve };
    });
  }

  /** Ends the current sleep now (nothing when none runs). */
  wake(): void {
    const s = this.#sleep;
    this.#sleep = null;
    if (s) {
      clearTimeout(s.timer);
      s.wake();
    }
  }
}

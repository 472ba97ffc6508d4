/**
 * Passes a per-key signal at most once per `windowMs`: the first at once, and, if more came
 * during the window, one more at its end, so the last signal of a burst is never lost. Signs of
 * life and bad-frame notices of one operator are idempotent within milliseconds; a flooding client
 * must not turn each of its frames into a message for the control thread.
 */
export class SignalThrottle {
  #windowMs: number;
  #emit: (key: string) => void;
  #open = new Map<string, { again: boolean; timer: NodeJS.Timeout }>();

  constructor(windowMs: number, emit: (key: string) => void) {
    this.#windowMs = windowMs;
    this.#emit = emit;
  }

  /** Signals `key`: passed on now, or once at the end of its current window. */
  signal(key: string): void {
    const w = this.#open.get(key);
    if (w) {
      w.again = true;
      return;
    }
    this.#emit(key);
    this.#arm(key);
  }

  #arm(key: string): void {
    const timer = setTimeout(() => {
      const w = this.#open.get(key);
      this.#open.delete(key);
      if (w?.again) {
        this.#emit(key);
        this.#arm(key);
      }
    }, this.#windowMs);
    timer.unref();
    this.#open.set(key, { again: false, timer });
  }

  /** Forgets pending signals. */
  clear(): void {
    for (const w of this.#open.values()) clearTimeout(w.timer);
    this.#open.clear();
  }
}

/** Exponential backoff between reconnection attempts, s. */
export interface BackoffOptions {
  initialDelay: number;
  maxDelay: number;
  factor: number;
}

/** Delay before reconnection attempt `attempt` (0-based): initial * factor^attempt, capped. */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  if (!(attempt >= 0)) return o.initialDelay;
  return Math.min(o.maxDelay, o.initialDelay * o.factor ** Math.min(attempt, 64));
}

/** Timers, injectable so tests can run reconnection without waiting. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

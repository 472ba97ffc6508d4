/** A state older than this many control ticks is stale: the picture no longer shows the robot. */
export const STALE_TICKS = 2;

/** How old a robot's newest state may get (ms) before the console calls it stale. */
export function staleAfterMs(controlRateHz: number): number {
  return (STALE_TICKS * 1000) / Math.max(1e-3, controlRateHz);
}

/**
 * How long the socket may stay silent (ms) before the console calls the link stalled: the server
 * sends every subscribed robot's state each tick and answers every heartbeat, so silence longer
 * than two of the fastest robot's ticks and two heartbeat periods is a stall.
 */
export function stallAfterMs(controlRatesHz: number[], heartbeatEveryMs: number): number {
  const fastest = Math.max(0, ...controlRatesHz);
  return Math.max(fastest > 0 ? staleAfterMs(fastest) : 0, 2 * heartbeatEveryMs);
}

/** A robot's freshness as the console judges it. */
export interface Freshness {
  stale: boolean;
  /** ms since its newest state frame arrived (Infinity before the first) */
  ageMs: number;
}

/** Stale when no frame yet, the newest frame is older than two ticks, or the whole link is silent. */
export function robotFreshness(lastFrameAt: number | undefined, now: number, controlRateHz: number, linkStalled: boolean): Freshness {
  const ageMs = lastFrameAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, now - lastFrameAt);
  return { stale: linkStalled || ageMs > staleAfterMs(controlRateHz), ageMs };
}

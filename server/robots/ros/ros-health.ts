import type { LinkState } from './rosbridge-client.ts';

/** Whether a ROS arm may be commanded, and if not, why (shown to operators as the alert). */
export interface RosHealth {
  link: LinkState;
  /** commands are accepted: link open, joint state fresh, no pending operator resume */
  ready: boolean;
  stale: boolean;
  /** the link came back after a loss: the arm holds until an operator resumes */
  awaitingResume: boolean;
  /** age of the newest joint state on the loop clock, s (Infinity before the first) */
  stateAge: number;
  /** '' when ready */
  reason: string;
}

/**
 * The pure part of the staleness watchdog and reconnect latch: given the link state, the time of
 * the newest joint state and the latch, decides readiness and words the reason.
 */
export function assessHealth(o: { link: LinkState; now: number; lastStateAt: number; staleAfter: number; awaitingResume: boolean; topic: string }): RosHealth {
  const stateAge = Number.isFinite(o.lastStateAt) ? Math.max(0, o.now - o.lastStateAt) : Infinity;
  const stale = stateAge > o.staleAfter;
  let reason = '';
  if (o.link !== 'open') reason = o.link === 'closed' || o.link === 'idle' ? 'not connected to rosbridge' : 'rosbridge connection lost; reconnecting';
  else if (o.awaitingResume) reason = 'rosbridge reconnected; holding until an operator resumes';
  else if (stale) reason = Number.isFinite(stateAge)
    ? `joint state stale: nothing on ${o.topic} for ${stateAge.toFixed(3)} s (limit ${o.staleAfter} s)`
    : `no joint state received on ${o.topic} yet`;
  return { link: o.link, ready: reason === '', stale, awaitingResume: o.awaitingResume, stateAge, reason };
}

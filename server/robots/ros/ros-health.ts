import type { LinkState } from './rosbridge-client.ts';

/** Whether a ROS arm may be commanded, and if not, why (shown to operators as the alert). */
export interface RosHealth {
  link: LinkState;
  /** commands are accepted: link open, joint state fresh, no pending operator resume */
  ready: boolean;
  stale: boolean;
  /** the link came back after a loss: the arm holds until an operator resumes */
  awaitingResume: boolean;
  /** age of the newest joint state when the input was last read (loop clock, s; Infinity before the first) */
  stateAge: number;
  /** loop-clock time before which all input had been read when this was judged */
  drainedAt: number;
  /** '' when ready */
  reason: string;
  /** stable while the cause of not being ready is the same (a growing stale age is one cause); '' when ready */
  cause: string;
  /** the object poses a policy reads: when not ready the policy holds, while an operator may still drive the arm */
  policyInputs: { ready: boolean; reason: string; cause: string };
}

/**
 * The pure part of the staleness watchdog and reconnect latch: given the link state, the time of
 * the newest joint state, the time up to which input had been read (`drainedAt`,
 * server/robots/ros/input-drain-mark.ts) and the latch, decides readiness and words the reason.
 * The age runs to `drainedAt`, not to `now`: states that arrived while the server's event loop
 * was stalled are still unread in the socket, and a stall of the server is not a stale arm.
 */
export function assessHealth(o: { link: LinkState; now: number; drainedAt: number; lastStateAt: number; staleAfter: number; awaitingResume: boolean; topic: string }): RosHealth {
  const judgedAt = Math.min(o.now, o.drainedAt);
  const stateAge = Number.isFinite(o.lastStateAt) ? Math.max(0, judgedAt - o.lastStateAt) : Infinity;
  const stale = stateAge > o.staleAfter;
  let reason = '';
  let cause = '';
  if (o.link !== 'open') {
    cause = o.link === 'closed' || o.link === 'idle' ? 'not-connected' : 'link-lost';
    reason = cause === 'not-connected' ? 'not connected to rosbridge' : 'rosbridge connection lost; reconnecting';
  } else if (o.awaitingResume) {
    cause = 'reconnected';
    reason = 'rosbridge reconnected; holding until an operator resumes';
  } else if (stale) {
    cause = Number.isFinite(stateAge) ? 'state-stale' : 'no-state';
    reason = Number.isFinite(stateAge)
      ? `joint state stale: nothing on ${o.topic} for ${stateAge.toFixed(3)} s (limit ${o.staleAfter} s)`
      : `no joint state received on ${o.topic} yet`;
  }
  const policyInputs = { ready: true, reason: '', cause: '' };
  return { link: o.link, ready: reason === '', stale, awaitingResume: o.awaitingResume, stateAge, drainedAt: o.drainedAt, reason, cause, policyInputs };
}

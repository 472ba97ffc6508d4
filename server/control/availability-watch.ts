import type { Mode } from '../../core/mode.ts';
import type { ArbiterEvent } from './arbiter.ts';

/** A real arm's readiness as the loop reads it each tick (server/robots/bridge-extras.ts MonitoredBridge). */
export interface ArmHealth {
  ready: boolean;
  reason: string;
  /** stable while the cause is the same (a growing stale age is one cause); the reason when absent */
  cause?: string;
  /** the inputs only a policy reads (object poses): when not ready the policy holds, an operator may drive */
  policyInputs?: { ready: boolean; reason: string; cause?: string };
}

/**
 * Turns a real arm's health into arbiter events, so that the mode reason stays current while the
 * robot is paused: a new cause replaces the old one (the link came back but awaits a resume; the
 * state went stale after a reconnection), a growing stale age is not news, and once every cause is
 * gone the reason says the robot is available again and waits for a resume.
 */
export class AvailabilityWatch {
  #cause: string | null = null;

  /** The event this tick's health calls for, or null. */
  next(h: ArmHealth, mode: Mode, reason: string): ArbiterEvent | null {
    const pausedByIt = mode === 'PAUSED' && reason.startsWith('robot unavailable');
    const inputs = h.policyInputs;
    const cause = !h.ready ? (h.cause ?? h.reason) : inputs && !inputs.ready ? `policy:${inputs.cause ?? inputs.reason}` : null;
    if (cause === null) {
      this.#cause = null;
      return pausedByIt ? { type: 'robot_available' } : null;
    }
    if (pausedByIt && cause === this.#cause) return null;
    // the policy's inputs hold the policy only: an operator driving (or rewinding) goes on
    if (h.ready && mode !== 'AUTONOMOUS' && !pausedByIt) return null;
    this.#cause = cause;
    return { type: 'robot_unavailable', reason: h.ready ? inputs!.reason : h.reason };
  }
}

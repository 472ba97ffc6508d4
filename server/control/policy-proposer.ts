import { ACTION_DIM, clipAction } from '../../core/action.ts';
import type { Observation } from '../../core/observation.ts';
import type { ActionSource } from './action-source.ts';
import type { Clock } from './clock.ts';

/**
 * Asks the policy for this tick's action under a deadline (late = hold this tick).
 * A late answer or a throwing policy is counted and yields null; the answer is clipped into the
 * action space in a reused buffer.
 */
export class PolicyProposer {
  lateProposals = 0;
  policyErrors = 0;
  readonly #clock: Clock;
  readonly #deadline: number;
  readonly #buf = new Float64Array(ACTION_DIM);

  constructor(clock: Clock, deadlineSeconds: number) {
    this.#clock = clock;
    this.#deadline = deadlineSeconds;
  }

  /** The policy's clipped action, or null (no policy, late, error, malformed). */
  propose(policy: ActionSource | null, obs: Observation): Float64Array | null {
    if (!policy) return null;
    const deadline = this.#clock.now() + this.#deadline;
    let a: ArrayLike<number> | null = null;
    try {
      a = policy.propose(obs, deadline);
    } catch {
      this.policyErrors++;
      return null;
    }
    if (this.#clock.now() > deadline) {
      this.lateProposals++;
      return null;
    }
    if (!a || a.length < ACTION_DIM) return null;
    return clipAction(a, this.#buf);
  }
}

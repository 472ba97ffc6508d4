import { ACTION_DIM, clipAction } from '../../core/action.ts';
import type { Observation } from '../../core/observation.ts';
import type { ActionSource } from './action-source.ts';
import type { Clock } from './clock.ts';

/**
 * Asks the policy for this tick's action under a deadline (late = hold this tick).
 * A late answer or a throwing policy is counted and yields null; a throw is kept as the last
 * policy error and handed to `onError` (never swallowed); the answer is clipped into the action
 * space in a reused buffer.
 */
export class PolicyProposer {
  lateProposals = 0;
  policyErrors = 0;
  /** message of the last policy call that threw (null: none yet) */
  lastPolicyError: string | null = null;
  readonly #clock: Clock;
  readonly #deadline: number;
  readonly #onError: (message: string, count: number) => void;
  readonly #buf = new Float64Array(ACTION_DIM);

  constructor(clock: Clock, deadlineSeconds: number, onError: (message: string, count: number) => void = () => {}) {
    this.#clock = clock;
    this.#deadline = deadlineSeconds;
    this.#onError = onError;
  }

  /** The policy's clipped action, or null (no policy, late, error, malformed). */
  propose(policy: ActionSource | null, obs: Observation): Float64Array | null {
    if (!policy) return null;
    const deadline = this.#clock.now() + this.#deadline;
    let a: ArrayLike<number> | null = null;
    try {
      a = policy.propose(obs, deadline);
    } catch (err) {
      this.policyErrors++;
      this.lastPolicyError = `policy '${policy.version ?? policy.name}': ${err instanceof Error ? err.message : String(err)}`;
      this.#onError(this.lastPolicyError, this.policyErrors);
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

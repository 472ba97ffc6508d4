import type { Observation } from '../../core/observation.ts';
import type { HelpScore } from './help-monitor.ts';

/**
 * The policy slot of a robot. `propose` returns a normalized EE-delta action (core/action.ts) or
 * null when it has none; it must return before `deadline` (loop clock, s). The loop measures the
 * call: an answer after the deadline is discarded and the robot holds that tick (counted as late).
 */
export interface ActionSource {
  readonly name: string;
  /** policy version recorded with each step; null for scripted or absent policies */
  readonly version: string | null;
  propose(obs: Observation, deadline: number): ArrayLike<number> | null;
  /** called at every episode reset so stateful sources start clean */
  reset?(obs: Observation): void;
  /** how unsure the last proposal was (learned versions with a help model, policies/help-model.ts); null: cannot tell */
  uncertainty?(): HelpScore | null;
}

/** The shape of sim/ action sources (the scripted expert, simulated operators). */
export interface ActingSource {
  readonly name: string;
  act(obs: Observation): ArrayLike<number>;
  reset?(obs: Observation): void;
}

/** Adapts a synchronous `act` source (sim/'s scripted expert) to the policy slot. */
export function fromActingSource(src: ActingSource, version: string | null = null): ActionSource {
  return {
    name: src.name,
    version,
    propose: (obs) => src.act(obs),
    reset: src.reset ? (obs) => src.reset!(obs) : undefined,
  };
}

/** An empty policy slot: never proposes, so an unsupervised robot holds still. */
export const idleSource: ActionSource = { name: 'idle', version: null, propose: () => null };

import type { Observation } from '../core/observation.ts';

/** Anything that maps an observation to a normalized EE-delta action: the expert, a policy, a person. */
export interface ActionSource {
  readonly name: string;
  /** called at every episode reset (and after a rewind) so stateful sources start clean */
  reset?(obs: Observation): void;
  act(obs: Observation): ArrayLike<number>;
}

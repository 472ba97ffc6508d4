import { DisagreementScorer, NoveltyScorer, raisingScores, type HelpModel } from './help-model.ts';
import type { LoadedPolicy } from './policy-registry.ts';

/** One help score of a tick: the value, the version's calibrated threshold for it, and whether it raises requests. */
export interface HelpScoreReading {
  score: number;
  threshold: number;
  method: string;
  /** whether this score raises help requests (false: recorded only, policy.json `help.raise`) */
  raises: boolean;
}

/**
 * The novelty of a robot's last observation against its version's training states, and the
 * ensemble's disagreement on it when the version has an ensemble.
 */
export interface PolicyUncertainty extends HelpScoreReading {
  /** the ensemble disagreement (policy.json `help.ensemble`); absent for versions without one */
  ensemble?: HelpScoreReading;
}

/** The help scorers of one loaded version (novelty, and the ensemble when policy.json has one). */
export class VersionHelpScorer {
  readonly #novelty: NoveltyScorer;
  readonly #method: string;
  readonly #raisesNovelty: boolean;
  readonly #ensemble: { scorer: DisagreementScorer; method: string; raises: boolean } | null;

  /** `help` is `lp.manifest.help`, checked present by the caller. */
  constructor(lp: LoadedPolicy, help: HelpModel) {
    const m = lp.manifest;
    const raises = raisingScores(help);
    if (!lp.helpStates) throw new Error(`policy version '${m.version}': policy.json has a help model but its states (${help.file}) were not loaded`);
    if (help.ensemble && !lp.helpHeads) throw new Error(`policy version '${m.version}': policy.json has a help ensemble but its heads (${help.ensemble.file}) were not loaded`);
    this.#novelty = new NoveltyScorer(help, lp.helpStates, m.normalization);
    this.#method = help.method;
    this.#raisesNovelty = raises.novelty;
    this.#ensemble = help.ensemble && lp.helpHeads
      ? { scorer: new DisagreementScorer(help.ensemble, lp.helpHeads, m.normalization), method: help.ensemble.method, raises: raises.ensemble }
      : null;
  }

  /** Scores the raw feature row at `offset` into `u` (reused tick after tick: nothing is allocated once `u.ensemble` exists). */
  scoreInto(features: Float32Array, offset: number, u: PolicyUncertainty): void {
    u.score = this.#novelty.score(features, offset);
    u.threshold = this.#novelty.threshold;
    u.method = this.#method;
    u.raises = this.#raisesNovelty;
    const e = this.#ensemble;
    if (e) {
      const r = u.ensemble ?? (u.ensemble = { score: 0, threshold: 0, method: '', raises: false });
      r.score = e.scorer.score(features, offset);
      r.threshold = e.scorer.threshold;
      r.method = e.method;
      r.raises = e.raises;
    } else if (u.ensemble) delete u.ensemble;
  }

  /** Runs the scorers so V8 optimizes them before the first real tick. */
  warm(features: Float32Array): void {
    this.#novelty.score(features, 0);
    this.#ensemble?.scorer.score(features, 0);
  }
}

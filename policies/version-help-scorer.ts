import { DisagreementScorer, NoveltyScorer, raisingScores, type HelpModel } from './help-model.ts';
import type { LoadedPolicy } from './policy-registry.ts';
import { RiskScorer } from './risk-model.ts';

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
  /** the learned risk of failure (policy.json `help.risk`); absent for versions without one */
  risk?: HelpScoreReading;
}

/** A second score of the version (the ensemble, the failure risk): its scorer, name and whether it raises. */
interface SubScorer {
  scorer: { score(features: Float32Array, offset: number, t: number): number; readonly threshold: number };
  method: string;
  raises: boolean;
}

/** Scores `sub` into `u[key]`, reusing the reading object; drops the key when the version has no such score. */
function scoreSub(u: PolicyUncertainty, key: 'ensemble' | 'risk', sub: SubScorer | null, features: Float32Array, offset: number, t: number): void {
  if (!sub) {
    if (u[key]) delete u[key];
    return;
  }
  const r = u[key] ?? (u[key] = { score: 0, threshold: 0, method: '', raises: false });
  r.score = sub.scorer.score(features, offset, t);
  r.threshold = sub.scorer.threshold;
  r.method = sub.method;
  r.raises = sub.raises;
}

/** The help scorers of one loaded version (novelty, and the ensemble and the failure risk when policy.json has them). */
export class VersionHelpScorer {
  readonly #novelty: NoveltyScorer;
  readonly #method: string;
  readonly #raisesNovelty: boolean;
  readonly #ensemble: { scorer: DisagreementScorer; method: string; raises: boolean } | null;
  readonly #risk: { scorer: RiskScorer; method: string; raises: boolean } | null;

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
    if (help.risk && !lp.helpRisk) throw new Error(`policy version '${m.version}': policy.json has a failure-risk model but its weights (${help.risk.file}) were not loaded`);
    this.#risk = help.risk && lp.helpRisk
      ? { scorer: new RiskScorer(help.risk, lp.helpRisk, m.normalization), method: help.risk.method, raises: raises.risk }
      : null;
  }

  /**
   * Scores the raw feature row at `offset`, observed `t` seconds into the episode (the clock a
   * failure-risk model may read), into `u` (reused tick after tick: nothing is allocated once
   * `u.ensemble` and `u.risk` exist).
   */
  scoreInto(features: Float32Array, offset: number, t: number, u: PolicyUncertainty): void {
    u.score = this.#novelty.score(features, offset);
    u.threshold = this.#novelty.threshold;
    u.method = this.#method;
    u.raises = this.#raisesNovelty;
    scoreSub(u, 'ensemble', this.#ensemble, features, offset, t);
    scoreSub(u, 'risk', this.#risk, features, offset, t);
  }

  /** Runs the scorers so V8 optimizes them before the first real tick. */
  warm(features: Float32Array): void {
    this.#novelty.score(features, 0);
    this.#ensemble?.scorer.score(features, 0);
    this.#risk?.scorer.score(features, 0, 0);
  }
}

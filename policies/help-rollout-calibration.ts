import type { NewPolicyManifest, LoadedPolicy } from './policy-registry.ts';
import { raisesOnRisk, raisingScores, type HelpModel } from './help-model.ts';
import { calibrateOnRollouts, type RolloutTrace } from './rollout-calibration.ts';
import { calibrateRiskOnRollouts } from './risk-training.ts';

/** The help model's arrays a candidate runs with (what `evaluatePolicy` and the rollouts load). */
export type HelpArrays = Pick<LoadedPolicy, 'helpStates' | 'helpHeads' | 'helpRisk'>;

/** How `runTrainingJob` re-calibrates a candidate's help threshold on its own rollouts. */
export interface HelpRolloutsOption {
  episodeRate: number;
  minTicks: number;
  task: string;
  seedBase: number;
  /**
   * the failure-risk model's shape: whether it reads the observation's clock, how many MLPs it
   * averages (default: features only, one), and the horizon in seconds before a failed rollout's
   * first visible failure sign from which its ticks count as failing (default: all of them; the
   * rollouts then need their `firstSign`)
   */
  risk?: { time?: boolean; members?: number; horizonS?: number };
  /** plays the candidate and returns, per rollout, its outcome, `score`'s value each tick and the tick's observation features */
  run: (manifest: NewPolicyManifest, weights: Float32Array[], help: HelpArrays, score: 'novelty' | 'ensemble') => Promise<RolloutTrace[]>;
}

/**
 * The help model with its raising score's threshold set on the candidate's own rollouts. With
 * `raise: 'risk'` the rollouts also train the failure-risk model (policies/risk-training.ts),
 * returned as `risk`; the ensemble's threshold is then set on all the rollouts as well, recorded
 * beside it for comparison (it does not raise). With `raise: 'risk-or-ensemble'` both raise, each
 * set at half the episode rate, so that together at most `episodeRate` of the successful
 * rollouts raise.
 */
export async function calibrateHelpOnRollouts(
  draft: NewPolicyManifest, weights: Float32Array[], arrays: HelpArrays, model: HelpModel, o: HelpRolloutsOption, seed: number,
): Promise<{ model: HelpModel; risk?: Float32Array }> {
  const wantsRisk = raisesOnRisk(model.raise);
  // either raising: each at half the rate, as 'both' does on held-out steps
  const rate = model.raise === 'risk-or-ensemble' ? o.episodeRate / 2 : o.episodeRate;
  const { novelty, ensemble } = wantsRisk ? { novelty: false, ensemble: true } : raisingScores(model);
  if (novelty && ensemble) throw new Error("help calibration on rollouts takes one raising score: train with helpScore 'ensemble', 'novelty' or 'risk', not 'both'");
  if (wantsRisk && !model.ensemble) throw new Error(`helpScore '${model.raise}' is trained beside the ensemble, and this help model has none`);
  const score = ensemble ? 'ensemble' : 'novelty';
  // the candidate plays with its ensemble raising: the risk model it will raise on is what these rollouts train
  const played: NewPolicyManifest = wantsRisk ? { ...draft, help: { ...model, raise: 'ensemble' } } : draft;
  const traces = await o.run(played, weights, arrays, score);
  // corrected rollouts (trace.corrected) only train the risk model
  const alone = traces.filter((t) => !t.corrected);
  const calibrate = (stepThreshold: number) => calibrateOnRollouts(alone, { ...o, episodeRate: rate, stepThreshold });
  if (score === 'novelty') {
    const { threshold, calibration } = calibrate(model.threshold);
    return { model: { ...model, threshold, rollouts: calibration } };
  }
  const { threshold, calibration } = calibrate(model.ensemble!.threshold);
  const calibrated: HelpModel = { ...model, ensemble: { ...model.ensemble!, threshold, rollouts: calibration } };
  if (!wantsRisk) return { model: calibrated };
  const { horizonS, ...shape } = o.risk ?? {};
  const horizon = horizonS === undefined ? undefined : Math.round(horizonS * draft.controlRateHz);
  const risk = calibrateRiskOnRollouts(traces, draft.normalization, { episodeRate: rate, minTicks: o.minTicks, task: o.task, seedBase: o.seedBase, seed, ...shape, ...(horizon !== undefined ? { horizon } : {}) });
  return { model: { ...calibrated, risk: risk.model }, risk: risk.weights };
}

import type { HelpScoreChoice } from './help-model.ts';
import { calibrateHelpOnRollouts, type HelpArrays, type HelpRolloutsOption } from './help-rollout-calibration.ts';
import type { LoadedPolicy, NewPolicyManifest } from './policy-registry.ts';

/** A stored version's help model calibrated again: the manifest and help arrays `PolicyRegistry.create` writes, with the version's own weights, as the new version. */
export interface RecalibratedVersion {
  draft: NewPolicyManifest;
  arrays: HelpArrays;
}

/**
 * Calibrates the help model of a stored version again on its own rollouts, raising on `raise`
 * (with 'risk', the rollouts train a new failure-risk model): the weights, normalization and
 * training record stay the version's, its novelty states and ensemble heads are kept, and the
 * result names the version as its parent. Its evaluations are left out: they were made with the
 * old help model, and `takeover eval` makes new ones.
 */
export async function recalibrateVersionHelp(loaded: LoadedPolicy, raise: HelpScoreChoice, rollouts: HelpRolloutsOption, seed: number): Promise<RecalibratedVersion> {
  const m = loaded.manifest;
  if (!m.help) throw new Error(`policy version '${m.version}' has no help model to calibrate (it was trained without held-out episodes)`);
  const { format: _f, version: _v, createdAt: _c, model: _m, ...rest } = m;
  // a risk model the version already has keeps scoring (and showing on its tile) unless this one replaces it
  const { manifest: _l, weights, ...arrays } = loaded;
  const model = { ...m.help, raise };
  const draft: NewPolicyManifest = { ...rest, parentVersion: m.version, help: model, evaluation: [] };
  const calibrated = await calibrateHelpOnRollouts(draft, weights, arrays, model, rollouts, seed);
  draft.help = calibrated.model;
  if (calibrated.risk) arrays.helpRisk = calibrated.risk;
  return { draft, arrays };
}

import { HELP_SCORE_CHOICES, raisesOnRisk, type HelpScoreChoice } from '../../policies/help-model.ts';
import type { HelpRolloutsOption } from '../../policies/help-rollout-calibration.ts';
import { HELP_DEFAULTS } from '../control/help-monitor.ts';
import { intFlag, UsageError } from './cli-command.ts';
import { simHelpRollouts } from './help-rollouts.ts';

/** The flags that calibrate a help model on a policy's own rollouts (`takeover train` and `takeover calibrate`), in parseArgs form. */
export const HELP_ROLLOUT_OPTIONS = {
  'help-score': { type: 'string' },
  'help-rollouts': { type: 'string' },
  'help-episode-rate': { type: 'string' },
  'help-rollout-seed-base': { type: 'string' },
  'help-risk-time': { type: 'boolean' },
  'help-risk-members': { type: 'string' },
  'help-risk-corrected': { type: 'boolean' },
  'help-risk-horizon': { type: 'string' },
} as const;

/** Their usage lines, shared by both commands' help texts. */
export const HELP_ROLLOUT_USAGE =
  '  --help-rollouts N sets the help threshold on N rollouts of the policy: at most --help-episode-rate of the successful ones raise a request\n' +
  "  --help-score risk (needs --help-rollouts) learns the risk of failure from those rollouts' outcomes and raises on it; risk-or-ensemble: on either, each at half the rate\n" +
  "  --help-risk-time: the risk also reads how long the episode has run (the observation's clock); --help-risk-members N averages N models fitted from different seeds (default 1)\n" +
  "  --help-risk-corrected plays the rollouts' seeds once more with a simulated operator who corrects once, and the risk also learns from what follows each hand-back\n" +
  "  --help-risk-horizon S: a failed rollout's ticks count as failing only from S seconds before a watching person would first have seen it failing\n";

/** The rollout calibration a command line asked for. */
export interface HelpRolloutFlags {
  helpScore?: HelpScoreChoice;
  /** rollouts to play (0: none) */
  rollouts: number;
  episodeRate: number;
  seedBase: number;
  risk: { time: boolean; members: number; horizonS?: number };
  corrected: boolean;
}

/** Reads and checks the help rollout flags; every mistake is a UsageError naming the flag. */
export function parseHelpRolloutFlags(values: Record<string, unknown>): HelpRolloutFlags {
  const score = values['help-score'] as string | undefined;
  if (score !== undefined && !(HELP_SCORE_CHOICES as readonly string[]).includes(score)) throw new UsageError(`--help-score takes ${HELP_SCORE_CHOICES.slice(0, -1).join(', ')} or ${HELP_SCORE_CHOICES.at(-1)}, got '${score}'`);
  const helpScore = score as HelpScoreChoice | undefined;
  const rollouts = intFlag(values, 'help-rollouts', 0)!;
  const episodeRate = values['help-episode-rate'] === undefined ? 0.1 : Number(values['help-episode-rate']);
  if (!(episodeRate >= 0 && episodeRate <= 1)) throw new UsageError(`--help-episode-rate takes the share of successful rollouts that may raise a request, from 0 to 1, got '${String(values['help-episode-rate'])}'`);
  if (rollouts > 0 && helpScore === 'both') throw new UsageError('--help-rollouts calibrates one raising score: use --help-score ensemble, novelty or risk with it');
  if (raisesOnRisk(helpScore) && rollouts < 2) throw new UsageError(`--help-score ${helpScore} learns from the policy's own rollouts: give --help-rollouts N (N >= 2; about 1000, docs/training.md "Help model")`);
  const members = intFlag(values, 'help-risk-members', 1)!;
  if (members < 1 || members > 16) throw new UsageError(`--help-risk-members takes 1 to 16 models, got ${members}`);
  const time = values['help-risk-time'] === true;
  const corrected = values['help-risk-corrected'] === true;
  const horizonS = values['help-risk-horizon'] === undefined ? undefined : Number(values['help-risk-horizon']);
  if (horizonS !== undefined && !(horizonS >= 0 && horizonS <= 600)) throw new UsageError(`--help-risk-horizon takes seconds from 0 to 600, got '${String(values['help-risk-horizon'])}'`);
  if ((time || members > 1 || corrected || horizonS !== undefined) && !raisesOnRisk(helpScore)) {
    throw new UsageError('--help-risk-time, --help-risk-members, --help-risk-corrected and --help-risk-horizon shape the failure-risk model: use them with --help-score risk or risk-or-ensemble');
  }
  if (corrected && horizonS !== undefined) throw new UsageError('--help-risk-horizon labels policy-alone rollouts by their first failure sign; it does not combine with --help-risk-corrected');
  const seedBase = intFlag(values, 'help-rollout-seed-base', 20000)!;
  return { ...(helpScore ? { helpScore } : {}), rollouts, episodeRate, seedBase, risk: { time, members, ...(horizonS !== undefined ? { horizonS } : {}) }, corrected };
}

/** The rollouts `calibrateHelpOnRollouts` plays in the simulator on `task`, or undefined when none were asked for. */
export function simHelpRolloutsOption(f: HelpRolloutFlags, task: string, showProgress: boolean): HelpRolloutsOption | undefined {
  if (f.rollouts <= 0) return undefined;
  return {
    episodeRate: f.episodeRate, minTicks: HELP_DEFAULTS.minTicks, task, seedBase: f.seedBase, risk: f.risk,
    run: simHelpRollouts(task, f.rollouts, f.seedBase, showProgress, { corrected: f.corrected, signs: f.risk.horizonS !== undefined }),
  };
}

import { isSafeName } from '../../core/safe-name.ts';
import { describeBackend, initBackend } from '../../policies/backend.ts';
import type { HelpModel } from '../../policies/help-model.ts';
import { recalibrateVersionHelp } from '../../policies/help-recalibration.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { UsageError, type CliCommand } from './cli-command.ts';
import { HELP_ROLLOUT_OPTIONS, HELP_ROLLOUT_USAGE, parseHelpRolloutFlags, simHelpRolloutsOption } from './help-flags.ts';
import { printJson } from './json-output.ts';

/** `takeover calibrate`: a stored version's help model calibrated again on its own rollouts, written as a new version with the same weights. */
export const calibrateCommand: CliCommand = {
  name: 'calibrate',
  summary: "calibrate a policy version's help model again on its own rollouts (e.g. to raise on a failure risk); writes a new version with the same weights",
  usage:
    'takeover calibrate --policy V --help-rollouts N [--help-score ensemble|novelty|risk|risk-or-ensemble] [--help-episode-rate 0.1] [--help-rollout-seed-base 20000]\n' +
    '                   [--help-risk-time] [--help-risk-members N] [--help-risk-corrected] [--help-risk-horizon S] [--task T] [--version NAME] [--seed N] [--json]\n' +
    '  --policy: the version whose help model is calibrated (a shipped one such as default, or one in the data dir); it is not changed\n' +
    "  --version: the new version's name (default the next v<N>); its parent is --policy\n" +
    "  --task: the task the rollouts play (default the version's task, else place); --help-score: the score that raises requests (default ensemble)\n" +
    HELP_ROLLOUT_USAGE +
    '  --seed: the failure-risk model\'s seed',
  options: {
    policy: { type: 'string' },
    version: { type: 'string' },
    task: { type: 'string' },
    ...HELP_ROLLOUT_OPTIONS,
  },
  async run(flags, values) {
    const source = values.policy as string | undefined;
    if (!source) throw new UsageError('--policy V is required: the version whose help model is calibrated');
    const name = values.version as string | undefined;
    if (name !== undefined && !isSafeName(name)) throw new UsageError(`--version '${name}' is not a valid version name (a letter or digit, then letters, digits, '.', '_', '-'; at most 64; no '..')`);
    const help = parseHelpRolloutFlags(values);
    if (help.rollouts < 2) throw new UsageError('--help-rollouts N is required (N >= 2; about 1000, docs/training.md "Help model"): the rollouts the help model is calibrated on');
    const registry = new PolicyRegistry({ dataDir: flags.dataDir });
    let loaded;
    try {
      loaded = await registry.load(source);
    } catch (err) {
      throw new UsageError(`--policy '${source}': ${(err as Error).message}`);
    }
    // before the rollouts, not after: versions are never overwritten
    if (name !== undefined && versionExists(registry, name)) throw new UsageError(`--version '${name}' already exists; versions are never overwritten`);
    const task = (values.task as string | undefined) ?? loaded.manifest.task ?? 'place';
    try {
      getTask(task);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const tty = Boolean(process.stderr.isTTY) && !flags.json;
    await initBackend();
    if (!flags.json) process.stderr.write(describeBackend() + '\n');
    const raise = help.helpScore ?? 'ensemble';
    const re = await recalibrateVersionHelp(loaded, raise, simHelpRolloutsOption(help, task, tty)!, flags.seed ?? 0);
    const manifest = await registry.create(re.draft, loaded.weights, name, re.arrays.helpStates, re.arrays.helpHeads, re.arrays.helpRisk);
    const h = manifest.help!;
    if (flags.json) printJson({ version: manifest.version, parentVersion: manifest.parentVersion, task, help: h });
    else process.stdout.write(`wrote policy ${manifest.version} (the weights of ${source}): raises help on ${h.raise}; ${describeRollouts(h)}\n`);
    return 0;
  },
};

function versionExists(registry: PolicyRegistry, name: string): boolean {
  try {
    registry.dirOf(name);
    return true;
  } catch {
    return false;
  }
}

/** One line on what each calibrated score flagged on the rollouts. */
function describeRollouts(h: HelpModel): string {
  const parts: string[] = [];
  for (const [label, r] of [['novelty', h.rollouts], ['ensemble', h.ensemble?.rollouts], ['risk', h.risk?.rollouts]] as const) {
    if (r) parts.push(`${label} flags ${r.flaggedSuccesses}/${r.successes} successful and ${r.flaggedFailures}/${r.failures} failed rollouts`);
  }
  return parts.join('; ') || 'no rollout figures';
}

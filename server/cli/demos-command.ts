import { getTask } from '../../sim/tasks/task-registry.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';
import { ProgressBar } from './progress-bar.ts';
import { recordExpertDemos } from './train-command.ts';

/** `takeover demos`: records scripted-expert episodes as demonstrations (kind 'demo') in the data dir. */
export const demosCommand: CliCommand = {
  name: 'demos',
  summary: 'record scripted-expert demonstrations of a task into the recordings',
  usage: 'takeover demos --task reach|lift|place [--episodes N] [--seed-base N] [--control-hz N] [--noise SIGMA] [--data-dir DIR] [--json]\n' +
    '  --noise SIGMA: DART-style noise on the executed action (normalized units, dx..dyaw); the clean expert action is recorded as the label',
  options: { task: { type: 'string' }, episodes: { type: 'string' }, 'seed-base': { type: 'string' }, 'control-hz': { type: 'string' }, noise: { type: 'string' } },
  async run(flags, values) {
    const taskName = (values.task as string | undefined) ?? 'place';
    try {
      getTask(taskName);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const episodes = intFlag(values, 'episodes', 20)!;
    const seedBase = intFlag(values, 'seed-base', flags.seed ?? 0)!;
    const hz = intFlag(values, 'control-hz', 20)!;
    if (episodes < 1) throw new UsageError('--episodes must be at least 1');
    if (hz < 1 || hz > 500) throw new UsageError('--control-hz must be in 1..500');
    const noise = values.noise === undefined ? 0 : Number(values.noise);
    if (!(noise >= 0) || !Number.isFinite(noise)) throw new UsageError(`--noise takes a sigma >= 0 (normalized action units), got '${String(values.noise)}'`);
    const bar = new ProgressBar(`demos ${taskName}`, episodes, { enabled: Boolean(process.stderr.isTTY) && !flags.json });
    const r = await recordExpertDemos(flags.dataDir, taskName, episodes, seedBase, hz, (i) => bar.update(i), noise);
    bar.finish();
    const out = { task: taskName, episodes: r.recorded, successes: r.successes, seed_base: seedBase, noise, data_dir: flags.dataDir };
    if (flags.json) printJson(out);
    else process.stdout.write(`recorded ${r.recorded} ${taskName} demos (${r.successes} succeeded) into ${flags.dataDir}\n`);
    return 0;
  },
};

import { PRE_INTERVENTION_AFTER_REWIND, type PreInterventionAfterRewind } from '../../recordings/step-labels.ts';
import { initBackend } from '../../policies/backend.ts';
import { parseWeighting, type Weighting } from '../../policies/sirius-weights.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { formatLoopTable } from '../loop/loop-table.ts';
import { runLearningLoop } from '../loop/learning-loop.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

/** `takeover loop`: deploy under a simulated operator, retrain per weighting, evaluate; repeat. */
export const loopCommand: CliCommand = {
  name: 'loop',
  summary: 'closed learning loop: deploy with a simulated operator, retrain (sirius/iwr/none), evaluate, per round',
  usage:
    'takeover loop --task place [--rounds 3] [--episodes-per-round 30] [--weighting sirius,iwr,none] [--seed N]\n' +
    '              [--rewind on|off] [--start-policy default] [--demos 140] [--demo-seed-base 0] [--epochs 40]\n' +
    '              [--eval-episodes 100] [--eval-seed-base 10000] [--finish-task] [--warm-start [--lr 3e-4]]\n' +
    '              [--pre-after-rewind kept|undone|none] [--json]\n' +
    '  --pre-after-rewind: which steps get the pre-intervention window when a rewind preceded the onset (docs/training.md)\n' +
    '  --warm-start: each round fine-tunes the weighting\'s current version instead of training a fresh network\n' +
    '  --finish-task: the simulated operator follows RaC rule 2 (corrects until the task is done; the episode then ends)',
  options: {
    task: { type: 'string' },
    rounds: { type: 'string' },
    'episodes-per-round': { type: 'string' },
    weighting: { type: 'string' },
    rewind: { type: 'string' },
    'start-policy': { type: 'string' },
    demos: { type: 'string' },
    'demo-seed-base': { type: 'string' },
    epochs: { type: 'string' },
    'eval-episodes': { type: 'string' },
    'eval-seed-base': { type: 'string' },
    'finish-task': { type: 'boolean' },
    'warm-start': { type: 'boolean' },
    lr: { type: 'string' },
    'pre-after-rewind': { type: 'string' },
  },
  async run(flags, values) {
    const taskName = (values.task as string | undefined) ?? 'place';
    let task;
    let weightings: Weighting[];
    try {
      task = getTask(taskName);
      weightings = String(values.weighting ?? 'sirius,iwr,none').split(',').map((w) => parseWeighting(w.trim()));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const rewindFlag = String(values.rewind ?? 'on');
    if (rewindFlag !== 'on' && rewindFlag !== 'off') throw new UsageError(`--rewind takes on or off, got '${rewindFlag}'`);
    const pre = String(values['pre-after-rewind'] ?? 'kept');
    if (!(PRE_INTERVENTION_AFTER_REWIND as readonly string[]).includes(pre)) {
      throw new UsageError(`--pre-after-rewind takes ${PRE_INTERVENTION_AFTER_REWIND.join(', ')}, got '${pre}'`);
    }
    const positive = (name: string, fallback: number, min = 1) => {
      const v = intFlag(values, name, fallback)!;
      if (v < min) throw new UsageError(`--${name} must be at least ${min}`);
      return v;
    };
    const opts = {
      dataDir: flags.dataDir,
      task: task.name,
      rounds: positive('rounds', 3),
      episodesPerRound: positive('episodes-per-round', 30),
      weightings,
      seed: flags.seed ?? 1,
      startVersion: (values['start-policy'] as string | undefined) ?? 'default',
      demos: positive('demos', 140, 0),
      demoSeedBase: positive('demo-seed-base', 0, 0),
      epochs: positive('epochs', 40),
      evalEpisodes: positive('eval-episodes', 100),
      evalSeedBase: positive('eval-seed-base', 10000, 0),
      rewind: rewindFlag === 'on',
      operator: { finishTask: Boolean(values['finish-task']) },
      warmStart: Boolean(values['warm-start']),
      preInterventionAfterRewind: pre as PreInterventionAfterRewind,
      learningRate: values.lr !== undefined ? Number(values.lr) : values['warm-start'] ? 3e-4 : undefined,
      log: (line: string) => process.stderr.write(line + '\n'),
    };
    if (opts.learningRate !== undefined && !(opts.learningRate > 0)) throw new UsageError(`--lr takes a positive number, got '${String(values.lr)}'`);
    await initBackend();
    const report = await runLearningLoop(opts);
    if (flags.json) printJson(report);
    else process.stdout.write(formatLoopTable(report) + '\n');
    return 0;
  },
};

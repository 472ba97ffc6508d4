import { availableParallelism } from 'node:os';
import { PRE_INTERVENTION_AFTER_REWIND, type PreInterventionAfterRewind } from '../../recordings/step-labels.ts';
import { initBackend } from '../../policies/backend.ts';
import { parseWeighting } from '../../policies/sirius-weights.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { formatLoopTable } from '../loop/loop-table.ts';
import { runLearningLoop } from '../loop/learning-loop.ts';
import { compareLoopRuns, formatLoopComparison } from '../loop/loop-comparison.ts';
import { loopScenario, parseLoopScenario, type LoopSettings } from '../loop/loop-scenario.ts';
import { runLoopSeeds } from '../loop/loop-seed-runner.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

const OPTIONS = {
  scenario: { type: 'string' },
  seeds: { type: 'string' },
  parallel: { type: 'string' },
  task: { type: 'string' },
  rounds: { type: 'string' },
  'episodes-per-round': { type: 'string' },
  weighting: { type: 'string' },
  rewind: { type: 'string' },
  'start-policy': { type: 'string' },
  'train-start': { type: 'boolean' },
  'start-epochs': { type: 'string' },
  demos: { type: 'string' },
  'demo-seed-base': { type: 'string' },
  epochs: { type: 'string' },
  'eval-episodes': { type: 'string' },
  'eval-seed-base': { type: 'string' },
  'eval-rounds': { type: 'string' },
  'finish-task': { type: 'boolean' },
  'warm-start': { type: 'boolean' },
  lr: { type: 'string' },
  'pre-after-rewind': { type: 'string' },
  'keep-epoch': { type: 'string' },
  'reaction-spread': { type: 'string' },
  'suboptimal-rate': { type: 'string' },
  'suboptimal-noise': { type: 'string' },
  'correction-noise': { type: 'string' },
  'demo-noise': { type: 'string' },
} as const;

/** Flags a multi-seed run does not hand to its per-seed processes (they get --seed and --json). */
const PARENT_ONLY = new Set(['seeds', 'parallel']);

/** `takeover loop`: deploy under a simulated operator, retrain per weighting, evaluate; repeat. */
export const loopCommand: CliCommand = {
  name: 'loop',
  summary: 'closed learning loop: deploy with a simulated operator, retrain (sirius/iwr/none), evaluate, per round',
  usage:
    'takeover loop [--scenario standard|discriminating] [--seed N | --seeds 1-11 [--parallel N]] [--task place] [--rounds 3]\n' +
    '              [--episodes-per-round 30] [--weighting sirius,iwr,none] [--rewind on|off]\n' +
    '              [--start-policy default | --train-start [--start-epochs 40]] [--demos 140] [--demo-seed-base 0] [--demo-noise SIGMA] [--epochs 40]\n' +
    '              [--eval-episodes 100] [--eval-seed-base 10000] [--eval-rounds all|last] [--finish-task] [--warm-start [--lr 3e-4]] [--keep-epoch best|last]\n' +
    '              [--pre-after-rewind kept|undone|none] [--reaction-spread S] [--suboptimal-rate P] [--suboptimal-noise SIGMA]\n' +
    '              [--correction-noise SIGMA] [--json]\n' +
    '  --scenario: the defaults every other flag overrides (docs/training.md "Loop scenarios"); discriminating runs seeds 1-11\n' +
    '  --seeds: several seeds, each in its own process (--parallel at a time, default one per core), compared paired by seed\n' +
    '  --train-start: the starting policy is trained on the loop\'s demos (plain BC) instead of loaded\n' +
    '  --eval-rounds last: evaluate the start and the last round only\n' +
    '  --pre-after-rewind: which steps get the pre-intervention window when a rewind preceded the onset (docs/training.md)\n' +
    '  --warm-start: each round fine-tunes the weighting\'s current version instead of training a fresh network\n' +
    '  --keep-epoch: each version keeps the epoch with the lowest validation loss (best, default) or the last\n' +
    '  --finish-task: the simulated operator follows RaC rule 2 (corrects until the task is done; the episode then ends)\n' +
    '  --reaction-spread, --suboptimal-rate, --suboptimal-noise: an imperfect simulated operator (docs/simulation.md)\n' +
    '  --demo-noise, --correction-noise: DART-style noise on the demos / the simulated corrections; each step records the clean action as its training label',
  options: OPTIONS,
  async run(flags, values) {
    let scenario;
    try {
      scenario = parseLoopScenario(String(values.scenario ?? 'standard'));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const seeds = flags.seed !== undefined ? [flags.seed] : values.seeds !== undefined ? parseSeeds(String(values.seeds)) : loopScenario(scenario, 1).seeds;
    if (flags.seed !== undefined && values.seeds !== undefined) throw new UsageError('--seed and --seeds do not go together');
    // check every flag here, before any process starts
    const settings = seeds.map((s) => loopSettingsFromFlags(loopScenario(scenario, s).settings, values));
    if (seeds.length === 1) {
      await initBackend();
      const report = await runLearningLoop({ ...settings[0], dataDir: flags.dataDir, log: (line) => process.stderr.write(line + '\n') });
      if (flags.json) printJson(report);
      else process.stdout.write(formatLoopTable(report) + '\n');
      return 0;
    }
    const parallel = intFlag(values, 'parallel', availableParallelism())!;
    if (parallel < 1) throw new UsageError('--parallel must be at least 1');
    const args = ['--data-dir', flags.dataDir];
    for (const [name, v] of Object.entries(values)) {
      if (!(name in OPTIONS) || PARENT_ONLY.has(name) || v === undefined || v === false) continue;
      args.push(`--${name}`, ...(v === true ? [] : [String(v)]));
    }
    const reports = await runLoopSeeds({ seeds, parallel, args, log: (line) => process.stderr.write(line + '\n') });
    const comparison = compareLoopRuns(reports);
    if (flags.json) printJson({ scenario, seeds, comparison, runs: reports.map((r) => ({ seed: r.options.seed, runId: r.runId, dir: r.dir, rows: r.rows })) });
    else process.stdout.write(reports.map(formatLoopTable).join('\n\n') + '\n\n' + formatLoopComparison(comparison) + '\n');
    return 0;
  },
};

/** Parses `1-11` or `1,2,5` (or a mix) into seeds. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--seeds takes numbers and ranges like 1-11 or 1,2,5, got '${text}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new UsageError(`--seeds: range ${part.trim()} runs backwards`);
    for (let s = lo; s <= hi; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  return seeds;
}

/** The scenario's settings with every flag given on the command line laid over them. */
export function loopSettingsFromFlags(base: LoopSettings, values: Record<string, unknown>): LoopSettings {
  const o: LoopSettings = { ...base, operator: { ...base.operator } };
  const num = (name: string, min: number, max = Infinity) => {
    if (values[name] === undefined) return undefined;
    const v = Number(values[name]);
    if (String(values[name]).trim() === '' || !(v >= min && v <= max)) throw new UsageError(`--${name} takes a number from ${min}${max < Infinity ? ` to ${max}` : ''}, got '${String(values[name])}'`);
    return v;
  };
  const whole = (name: string, fallback: number, min = 1) => {
    const v = intFlag(values, name, fallback)!;
    if (v < min) throw new UsageError(`--${name} must be at least ${min}`);
    return v;
  };
  try {
    if (values.task !== undefined) o.task = getTask(String(values.task)).name;
    if (values.weighting !== undefined) o.weightings = String(values.weighting).split(',').map((w) => parseWeighting(w.trim()));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const choice = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    if (values[name] === undefined) return undefined;
    const v = String(values[name]);
    if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} takes ${allowed.join(' or ')}, got '${v}'`);
    return v as T;
  };
  const rewind = choice('rewind', ['on', 'off'] as const);
  if (rewind) o.rewind = rewind === 'on';
  o.preInterventionAfterRewind = choice<PreInterventionAfterRewind>('pre-after-rewind', PRE_INTERVENTION_AFTER_REWIND) ?? o.preInterventionAfterRewind;
  o.evalRounds = choice('eval-rounds', ['all', 'last'] as const) ?? o.evalRounds;
  o.keepEpoch = choice('keep-epoch', ['best', 'last'] as const) ?? o.keepEpoch;
  o.rounds = whole('rounds', o.rounds);
  o.episodesPerRound = whole('episodes-per-round', o.episodesPerRound);
  o.demos = whole('demos', o.demos, 0);
  o.demoSeedBase = whole('demo-seed-base', o.demoSeedBase, 0);
  o.epochs = whole('epochs', o.epochs);
  o.startEpochs = whole('start-epochs', o.startEpochs ?? 40);
  o.evalEpisodes = whole('eval-episodes', o.evalEpisodes);
  o.evalSeedBase = whole('eval-seed-base', o.evalSeedBase, 0);
  if (values['start-policy'] !== undefined && values['train-start']) throw new UsageError('--start-policy and --train-start do not go together');
  if (values['start-policy'] !== undefined) o.startVersion = String(values['start-policy']);
  if (values['train-start']) o.startVersion = null;
  if (o.startVersion === null && o.demos === 0) throw new UsageError('a start trained on the demos needs --demos above 0');
  if (values['finish-task']) o.operator = { ...o.operator, finishTask: true };
  if (values['warm-start']) o.warmStart = true;
  const lr = num('lr', Number.MIN_VALUE);
  if (lr !== undefined) o.learningRate = lr;
  const spread = num('reaction-spread', 0);
  const rate = num('suboptimal-rate', 0, 1);
  const noise = num('suboptimal-noise', 0);
  const dart = num('correction-noise', 0);
  const demoNoise = num('demo-noise', 0);
  if (demoNoise !== undefined) o.demoNoise = demoNoise;
  o.operator = {
    ...(dart !== undefined ? { correctionNoise: dart } : {}),
    ...o.operator,
    ...(spread !== undefined ? { reactionSpread: spread } : {}),
    ...(rate !== undefined ? { suboptimalRate: rate } : {}),
    ...(noise !== undefined ? { suboptimalNoise: noise } : {}),
  };
  return o;
}

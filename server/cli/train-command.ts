import { hasPhysicsState } from '../robots/bridge-extras.ts';
import path from 'node:path';
import { observationToRecord } from '../../core/observation.ts';
import type { Step } from '../../core/step.ts';
import { isSafeName } from '../../core/safe-name.ts';
import { Recorder } from '../../recordings/recorder.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { dataDirLayout, ensureDataDir } from '../../recordings/data-dir.ts';
import type { ActionSource as ActingSource } from '../../sim/action-source.ts';
import { NoisyActionSource } from '../../sim/noisy-action-source.ts';
import { ScriptedExpert } from '../../sim/scripted-expert.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { fromActingSource } from '../control/action-source.ts';
import { runEpisodes } from '../control/episode-runner.ts';
import { createSimLoop } from '../control/sim-loop.ts';
import { describeBackend, initBackend } from '../../policies/backend.ts';
import { parseEpisodeQuery } from '../../policies/episode-query.ts';
import { parseWeighting } from '../../policies/sirius-weights.ts';
import { runTrainingJob, type JobProgress, type TrainingJobSpec } from '../../policies/training-job.ts';
import { openEpisodeJournals } from '../../recordings/open-episode-journals.ts';
import { configuredObjectStore } from './configured-object-store.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { candidateManifest, evaluatePolicy, formatEvaluation } from './eval-command.ts';
import { HELP_ROLLOUT_OPTIONS, HELP_ROLLOUT_USAGE, parseHelpRolloutFlags, simHelpRolloutsOption } from './help-flags.ts';
import { printJson } from './json-output.ts';
import { ProgressBar } from './progress-bar.ts';

/**
 * Records scripted-expert demonstrations of a task through the recordings pipeline (Recorder,
 * journal files, catalog), as kind 'demo' episodes tagged by their episode ids `expert-<task>-...`.
 * The expert drives the arm through the control loop a sim robot runs (IK, safety filter,
 * workspace limits); each step records what that loop executed and the joint targets it sent.
 * With `noise` > 0 (DART-style) the arm executes the expert's action plus Gaussian noise of that
 * sigma and each step records the clean expert action as its `label` (the training target).
 */
export async function recordExpertDemos(
  dataDir: string, taskName: string, episodes: number, seedBase: number, controlHz: number, onEpisode?: (i: number) => void, noise = 0,
): Promise<{ recorded: number; successes: number }> {
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`demo noise must be a finite sigma >= 0, got ${noise}`);
  const task = getTask(taskName);
  ensureDataDir(dataDir);
  const catalog = new SqliteCatalog(dataDirLayout(dataDir).catalog);
  const errors: string[] = [];
  // the sim outruns the timed flush within an episode: a generous queue drops nothing
  // simulated episodes carry simulated time as log time (the sim outruns the wall clock)
  const rec = new Recorder({ dataDir, catalog, queueLimit: 10_000_000, logClock: 'loop', onError: (e) => errors.push(e.message) });
  const expert = new ScriptedExpert(task.name, { controlHz });
  const run = Date.now().toString(36);
  // the slot's source changes per episode (the noise generator is seeded per episode, so one episode reruns alone)
  let acting: ActingSource = expert;
  let noisy: NoisyActionSource | null = null;
  const slot = fromActingSource({ name: expert.name, act: (obs) => acting.act(obs), reset: (obs) => acting.reset?.(obs) });
  let episodeId = '';
  const { loop, clock } = await createSimLoop({ robotId: 'sim', task: task.name, controlHz, policy: slot });
  loop.on('tick', (l) => {
    const ep = l.episode;
    if (!ep || !l.obs) return;
    const s: Step = {
      episodeId, step: ep.step, t: ep.step / controlHz, obs: observationToRecord(l.obs), proposed: null,
      executed: l.executed ? Array.from(l.executed) : null, jointTargets: Array.from(l.jointTargets), clamped: [...l.clamped],
      source: 'operator', mode: 'INTERVENING', operatorId: expert.name, policyVersion: null,
      ...(noisy ? { label: Array.from(noisy.clean) } : {}),
      // the exact simulator state, as the control loop records it (robomimic `states`)
      ...(hasPhysicsState(l.bridge) ? { physicsState: l.bridge.physicsState() } : {}),
    };
    rec.appendStep(s);
  });
  let successes = 0;
  try {
    const seeds = Array.from({ length: episodes }, (_, i) => seedBase + i);
    let i = 0;
    for (const seed of seeds) {
      episodeId = `expert-${task.name}-${run}-s${seed}`;
      rec.beginEpisode({ episodeId, robotId: 'sim', task: task.name, seed, policyVersion: null, kind: 'demo', startedAt: Date.now() });
      noisy = noise > 0 ? new NoisyActionSource(expert, noise, 0x5eed0000 ^ seed) : null;
      acting = noisy ?? expert;
      const [r] = await runEpisodes(loop, clock, [seed]);
      if (r.outcome === 'success') successes++;
      rec.endEpisode(episodeId, r.outcome === 'success' ? 'success' : 'failure');
      onEpisode?.(++i);
      // let the recorder's timed flush write this episode out instead of queueing the whole batch
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    await rec.close();
    await catalog.close();
  }
  const dropped = rec.stats().dropped;
  if (errors.length || dropped) throw new Error(`recording the demos failed: ${dropped} steps dropped; ${errors.join('; ')}`);
  return { recorded: episodes, successes };
}

const list = (s: string | undefined) => (s ? s.split(',').map((x) => Number(x.trim())) : undefined);

/** `takeover train`: weighted behavioral cloning on recorded episodes; writes a new policy version. */
export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a policy on recorded episodes (Sirius / IWR / plain BC weighting); writes a new version',
  usage:
    'takeover train --episodes QUERY [--weighting sirius|iwr|none] [--epochs N] [--seed N] [--batch-size N] [--hidden 256,256] [--lr X]\n' +
    '               [--parent VERSION] [--version NAME] [--task T] [--sim-demos N [--demo-seed-base N]] [--eval-episodes N [--eval-seed-base 10000]]\n' +
    '               [--include-gapped] [--help-score novelty|ensemble|both|risk|risk-or-ensemble] [--help-rate 0.02] [--help-rollouts N [--help-episode-rate 0.1] [--help-rollout-seed-base 20000]]\n' +
    '               [--help-risk-time] [--help-risk-members N] [--help-risk-corrected] [--help-risk-horizon S]\n' +
    '               [--keep-epoch best|last] [--out DIR] [--json]\n' +
    '  QUERY: key=value filters of the catalog, e.g. task=place,kind=demo,outcome=success (or all)\n' +
    '  --sim-demos N first records N scripted-expert demos of --task through the recordings pipeline\n' +
    '  --eval-episodes N evaluates the trained policy in the simulator before writing it (results go into policy.json)\n' +
    '  damaged journals are quarantined and reported, the rest train; --include-gapped also trains on episodes recovered with gaps\n' +
    HELP_ROLLOUT_USAGE +
    '  --keep-epoch: the version keeps the epoch with the lowest validation loss (best, default) or the last\n' +
    '  --out DIR writes the version into DIR (building a shipped policy) instead of <data-dir>/policies/',
  options: {
    episodes: { type: 'string' },
    weighting: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    hidden: { type: 'string' },
    lr: { type: 'string' },
    parent: { type: 'string' },
    version: { type: 'string' },
    task: { type: 'string' },
    'sim-demos': { type: 'string' },
    'demo-seed-base': { type: 'string' },
    'eval-episodes': { type: 'string' },
    'eval-seed-base': { type: 'string' },
    out: { type: 'string' },
    'include-gapped': { type: 'boolean' },
    ...HELP_ROLLOUT_OPTIONS,
    'help-rate': { type: 'string' },
    'keep-epoch': { type: 'string' },
  },
  async run(flags, values) {
    const simDemos = intFlag(values, 'sim-demos', 0)!;
    const task = values.task as string | undefined;
    const query = (values.episodes as string | undefined) ?? (simDemos > 0 ? `kind=demo,task=${task ?? 'place'},outcome=success` : undefined);
    if (!query) throw new UsageError('--episodes QUERY is required (or --sim-demos N to record expert demos first)');
    let weighting;
    try {
      parseEpisodeQuery(query);
      weighting = parseWeighting((values.weighting as string | undefined) ?? 'sirius');
      if (task) getTask(task);
      // before hours of training, not after: the registry writes only safe version names
      for (const flag of ['version', 'parent'] as const) {
        const v = values[flag] as string | undefined;
        if (v !== undefined && !isSafeName(v)) throw new Error(`--${flag} '${v}' is not a valid version name (a letter or digit, then letters, digits, '.', '_', '-'; at most 64; no '..')`);
      }
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const hidden = list(values.hidden as string | undefined);
    if (hidden && hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new UsageError(`--hidden takes sizes like 256,256, got '${String(values.hidden)}'`);
    const lr = values.lr === undefined ? undefined : Number(values.lr);
    if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr takes a positive number, got '${String(values.lr)}'`);
    const help = parseHelpRolloutFlags(values);
    const helpScore = help.helpScore;
    const helpRate = values['help-rate'] === undefined ? undefined : Number(values['help-rate']);
    if (helpRate !== undefined && !(helpRate >= 0 && helpRate <= 0.5)) {
      throw new UsageError(`--help-rate takes the share of held-out steps a help score may exceed, from 0 to 0.5, got '${String(values['help-rate'])}'`);
    }
    const keepEpoch = values['keep-epoch'] as string | undefined;
    if (keepEpoch !== undefined && keepEpoch !== 'best' && keepEpoch !== 'last') throw new UsageError(`--keep-epoch takes best or last, got '${keepEpoch}'`);
    const spec: TrainingJobSpec = {
      episodes: query,
      weighting,
      epochs: intFlag(values, 'epochs', 50),
      seed: flags.seed ?? 0,
      batchSize: intFlag(values, 'batch-size', 256),
      learningRate: lr,
      hidden,
      parentVersion: (values.parent as string | undefined) ?? null,
      version: values.version as string | undefined,
      task: task ?? null,
      ...(values['include-gapped'] === true ? { includeGapped: true } : {}),
      ...(helpScore ? { helpScore } : {}),
      ...(helpRate !== undefined ? { helpRate } : {}),
      ...(keepEpoch ? { keepEpoch } : {}),
    };
    const tty = Boolean(process.stderr.isTTY) && !flags.json;
    const log = (s: string) => {
      if (!flags.json) process.stderr.write(s + '\n');
    };
    await initBackend();
    log(describeBackend());

    let demos: { recorded: number; successes: number } | null = null;
    if (simDemos > 0) {
      const bar = new ProgressBar(`record ${task ?? 'place'} demos`, simDemos, { enabled: tty });
      demos = await recordExpertDemos(flags.dataDir, task ?? 'place', simDemos, intFlag(values, 'demo-seed-base', 0)!, 20, (i) => bar.update(i));
      bar.finish();
      log(`recorded ${demos.recorded} expert demos (${demos.successes} successful) into ${path.resolve(flags.dataDir)}`);
    }

    let bar: ProgressBar | null = null;
    let loadBar: ProgressBar | null = null;
    const onProgress = (p: JobProgress) => {
      if (p.phase === 'loading' && p.total > 0) {
        loadBar ??= new ProgressBar('read episodes', p.total, { enabled: tty });
        loadBar.update(p.done);
        if (p.done === p.total) loadBar.finish();
      }
      if (p.phase === 'training' && p.epoch) {
        bar ??= new ProgressBar('train', p.total, { enabled: tty });
        const e = p.epoch;
        bar.update(p.done, `loss ${e.trainLoss.toFixed(4)} val ${e.valLoss === null ? '-' : e.valLoss.toFixed(4)} ${Math.round(e.samplesPerSecond)}/s`);
      }
    };
    const evalEpisodes = intFlag(values, 'eval-episodes', 0)!;
    const evalSeedBase = intFlag(values, 'eval-seed-base', 10000)!;
    const evalTask = task ?? parseEpisodeQuery(query).task ?? 'place';
    const evaluate =
      evalEpisodes > 0
        ? async (...[draft, weights, help]: Parameters<NonNullable<Parameters<typeof runTrainingJob>[1]['evaluate']>>) => {
            const ebar = new ProgressBar(`eval ${evalTask}`, evalEpisodes, { enabled: tty });
            const manifest = candidateManifest(draft);
            const e = await evaluatePolicy({ manifest, weights, ...help }, { task: evalTask, episodes: evalEpisodes, seedBase: evalSeedBase, onEpisode: (d, s) => ebar.update(d, `${s} ok`) });
            ebar.finish();
            return [e];
          }
        : undefined;
    const source = demos ? `scripted-expert demos recorded through recordings/ (takeover train --sim-demos ${simDemos}), selected by '${query}'` : undefined;
    // journals uploaded and gone from this disk come back from the configured object store (docs/deployment.md)
    const opened = await openEpisodeJournals(flags.dataDir, configuredObjectStore(flags.config, 'train'));
    let trained;
    try {
      const rollouts = simHelpRolloutsOption(help, evalTask, tty);
      trained = await runTrainingJob(spec, { dataDir: flags.dataDir, journals: opened.journals, onProgress, evaluate, helpRollouts: rollouts, outDir: values.out as string | undefined, source });
    } finally {
      opened.close();
    }
    const { manifest, summary, damaged, gapped } = trained;
    (bar as ProgressBar | null)?.finish();
    const t = manifest.training!;
    if (flags.json) printJson({ version: manifest.version, demos, summary, training: t, evaluation: manifest.evaluation, damaged, gapped });
    else {
      for (const d of damaged) process.stdout.write(`skipped damaged ${d.id}: ${d.error}${d.movedTo ? ` (moved to ${d.movedTo})` : ''}\n`);
      if (gapped.length) process.stdout.write(`left out ${gapped.length} episode(s) recovered with gaps (--include-gapped trains on them): ${gapped.join(', ')}\n`);
      process.stdout.write(
        `wrote policy ${manifest.version}: ${t.samples} samples from ${t.episodes.length} episodes (+${t.validationEpisodes.length} held out), ` +
          `weighting ${t.weighting}, ${t.epochs} epochs in ${t.seconds.toFixed(1)} s; ` +
          `validation loss ${t.initialValidationLoss?.toFixed(4) ?? '-'} -> ${t.finalValidationLoss?.toFixed(4) ?? '-'}\n`,
      );
      for (const e of manifest.evaluation) process.stdout.write(formatEvaluation(manifest.version, e) + '\n');
    }
    return 0;
  },
};

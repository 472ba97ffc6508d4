import path from 'node:path';
import { Recorder } from '../../recordings/recorder.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { dataDirLayout, ensureDataDir } from '../../recordings/data-dir.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import type { Evaluation } from '../../policies/policy-manifest.ts';
import { runTrainingJob, type KeepEpoch } from '../../policies/training-job.ts';
import type { Weighting } from '../../policies/sirius-weights.ts';
import type { PreInterventionAfterRewind } from '../../recordings/step-labels.ts';
import type { OperatorKnobs } from '../../sim/simulated-operator.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import { evaluatePolicy } from '../cli/eval-command.ts';
import { recordExpertDemos } from '../cli/train-command.ts';
import { deployRound, type DeployResult } from './deploy-round.ts';

/** The name a run gives a version it trains: its start (round 0) or a weighting's round. */
export function loopVersionName(runId: string, at: { round: 0 } | { round: number; weighting: Weighting }): string {
  return 'weighting' in at ? `${runId}-${at.weighting}-r${at.round}` : `${runId}-start`;
}

/** Where in run `runId` a version named by loopVersionName came from, or null for any other name. */
export function parseLoopVersionName(runId: string, name: string): { round: number; weighting: Weighting | 'start' } | null {
  if (name === `${runId}-start`) return { round: 0, weighting: 'start' };
  const m = name.startsWith(`${runId}-`) ? /^(sirius|iwr|none)-r([1-9]\d*)$/.exec(name.slice(runId.length + 1)) : null;
  return m ? { round: Number(m[2]), weighting: m[1] as Weighting } : null;
}

/** fine-tuning a version (warm start) steps more gently than training from scratch */
export const FINE_TUNE_LEARNING_RATE = 3e-4;

export interface LearningLoopOptions {
  dataDir: string;
  task: TaskName;
  rounds: number;
  episodesPerRound: number;
  weightings: Weighting[];
  seed: number;
  /** the registered version every weighting starts from; null: train one on the demos (plain BC) */
  startVersion: string | null;
  /** epochs of that start training (default 40) */
  startEpochs?: number;
  /** expert demos that start the data (Sirius's round 0) */
  demos: number;
  demoSeedBase: number;
  /** DART-style noise on the demos (sigma; each step records the clean expert action as its label) */
  demoNoise?: number;
  evalEpisodes: number;
  evalSeedBase: number;
  /** evaluate the start and every round ('all', default) or the start and the last round only */
  evalRounds?: 'all' | 'last';
  epochs: number;
  rewind: boolean;
  /** fine-tune each weighting's current version instead of training a fresh network each round */
  warmStart?: boolean;
  /** the trainer's learning rate (default: FINE_TUNE_LEARNING_RATE with warmStart, else the trainer's own) */
  learningRate?: number;
  /** the epoch each trained version keeps (policies/trainer.ts; default 'best', the lowest validation loss) */
  keepEpoch?: KeepEpoch;
  /** where the pre-intervention window goes after a rewind (recordings/step-labels.ts; default 'kept') */
  preInterventionAfterRewind?: PreInterventionAfterRewind;
  operator?: Partial<OperatorKnobs>;
  controlHz?: number;
  /** progress lines for people (stderr) */
  log?: (line: string) => void;
  /** the run's name and folder `loops/<runId>` (default: from the time and options; a job gives one from its id) */
  runId?: string;
  /** stops the run at the next episode or step (it then throws 'cancelled') */
  signal?: AbortSignal;
  /** called as each weighting of each round starts deploying, training and evaluating */
  onProgress?: (p: LoopProgress) => void;
}

/** Where a loop run is: `done` of `total` round x weighting steps finished. */
export interface LoopProgress {
  phase: 'demos' | 'evaluating' | 'deploying' | 'training';
  round: number;
  weighting: Weighting | 'start';
  done: number;
  total: number;
}

/** One row of the loop's table: a weighting after a round. */
export interface LoopRow {
  round: number;
  weighting: Weighting | 'start';
  version: string;
  /** null for a round not evaluated (evalRounds 'last') */
  eval: Evaluation | null;
  deploy: (Omit<DeployResult, 'episodeIds'> & { interventionsPerEpisode: number }) | null;
  trainSeconds: number;
  /** rows the trainer used (positive weight, training split; weight-0 rows are not counted) */
  trainSamples: number;
  /** sum of those rows' weights */
  trainWeight: number;
}

export interface LoopReport {
  runId: string;
  dir: string;
  options: Omit<LearningLoopOptions, 'log' | 'dataDir' | 'runId' | 'signal' | 'onProgress'>;
  rows: LoopRow[];
}

/**
 * The closed learning loop: from a starting policy, each round deploys each weighting's
 * current policy under the simulated operator (recorded like any episode), retrains it on all of
 * its data so far (expert demos plus every round of its own deployments) with its weighting, and
 * evaluates the new version on the same held-out seeds. A run lives in its own data folder.
 */
export async function runLearningLoop(o: LearningLoopOptions): Promise<LoopReport> {
  const log = o.log ?? (() => {});
  const runId = o.runId ?? `loop-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-s${o.seed}${o.rewind ? '' : '-norewind'}${o.warmStart ? '-warm' : ''}`;
  const total = o.rounds * o.weightings.length;
  let done = 0;
  const step = (phase: LoopProgress['phase'], round: number, weighting: LoopProgress['weighting']) => {
    if (o.signal?.aborted) throw new Error('cancelled');
    o.onProgress?.({ phase, round, weighting, done, total });
  };
  const dir = path.join(o.dataDir, 'loops', runId);
  ensureDataDir(dir);
  const hz = o.controlHz ?? 20;
  const tagOf = (w: Weighting) => `${runId}:${w}`;
  const rows: LoopRow[] = [];
  const registry = new PolicyRegistry({ dataDir: dir });
  const evaluate = async (version: string) =>
    evaluatePolicy(await registry.load(version), {
      task: o.task, episodes: o.evalEpisodes, seedBase: o.evalSeedBase,
      onEpisode: () => {
        if (o.signal?.aborted) throw new Error('cancelled');
      },
    });

  if (o.demos > 0) {
    step('demos', 0, 'start');
    log(`recording ${o.demos} expert demos${o.demoNoise ? ` with noise sigma ${o.demoNoise}` : ''}`);
    await recordExpertDemos(dir, o.task, o.demos, o.demoSeedBase, hz, undefined, o.demoNoise ?? 0);
  }
  const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
  // demos belong to every weighting's data
  const demos = (await catalog.list({ kind: 'demo', limit: 100000, offset: 0 } as never)).items;
  for (const d of demos) await catalog.patch(d.id, { tags: o.weightings.map(tagOf) });

  let startVersion = o.startVersion;
  let startTrain = { trainSeconds: 0, trainSamples: 0, trainWeight: 0 };
  if (startVersion === null) {
    startVersion = loopVersionName(runId, { round: 0 });
    step('training', 0, 'start');
    log(`training the starting policy '${startVersion}' on the ${o.demos} demos (plain BC)`);
    const t0 = Date.now();
    const trained = await runTrainingJob(
      { episodes: 'kind=demo', weighting: 'none', epochs: o.startEpochs ?? 40, seed: o.seed, version: startVersion, task: o.task, controlRateHz: hz },
      { dataDir: dir, source: `takeover loop ${runId} start`, signal: o.signal },
    );
    startTrain = { trainSeconds: (Date.now() - t0) / 1000, trainSamples: trained.manifest.training!.samples, trainWeight: trained.manifest.training!.trainWeight ?? 0 };
  }
  step('evaluating', 0, 'start');
  log(`evaluating the starting policy '${startVersion}' on ${o.evalEpisodes} seeds from ${o.evalSeedBase}`);
  const startEval = await evaluate(startVersion);
  rows.push({ round: 0, weighting: 'start', version: startVersion, eval: startEval, deploy: null, ...startTrain });
  log(`  start: ${(100 * startEval.successRate).toFixed(0)}%`);

  const current = new Map<Weighting, string>(o.weightings.map((w) => [w, startVersion]));
  const recorder = new Recorder({ dataDir: dir, catalog, queueLimit: 1_000_000, logClock: 'loop' });
  const runtime = new PolicyRuntime({ source: registry, maxBatch: 1 });
  try {
    for (let round = 1; round <= o.rounds; round++) {
      // every weighting meets the same scenes in a round: a fair comparison
      const seeds = Array.from({ length: o.episodesPerRound }, (_, i) => 20000 + o.seed * 1000 + (round - 1) * o.episodesPerRound + i);
      for (const w of o.weightings) {
        const version = current.get(w)!;
        step('deploying', round, w);
        log(`round ${round} ${w}: deploying '${version}' on ${seeds.length} episodes`);
        const deploy = await deployRound({
          robotId: `loop-${w}`, task: o.task, version, runtime, recorder, seeds, controlHz: hz,
          operator: { ...o.operator, rewind: o.rewind }, operatorSeed: o.seed * 1000 + round,
          onEpisode: async (_i, id) => {
            if (o.signal?.aborted) throw new Error('cancelled');
            await waitForRow(catalog, id);
            await catalog.patch(id, { tags: [tagOf(w), `round${round}`] });
          },
        });
        await waitIdle(recorder);
        log(`  deployed: ${deploy.successes}/${deploy.episodes} ok, ${deploy.interventions} interventions, ${deploy.operatorSteps} operator steps`);
        const name = loopVersionName(runId, { round, weighting: w });
        step('training', round, w);
        const t0 = Date.now();
        const trained = await runTrainingJob(
          {
            episodes: `tag=${tagOf(w)}`, weighting: w, epochs: o.epochs, seed: o.seed, version: name, task: o.task, controlRateHz: hz,
            parentVersion: o.warmStart ? version : startVersion, warmStart: o.warmStart ?? false, learningRate: o.learningRate ?? (o.warmStart ? FINE_TUNE_LEARNING_RATE : undefined),
            ...(o.preInterventionAfterRewind ? { preInterventionAfterRewind: o.preInterventionAfterRewind } : {}),
            ...(o.keepEpoch ? { keepEpoch: o.keepEpoch } : {}),
          },
          { dataDir: dir, source: `takeover loop ${runId} round ${round}`, signal: o.signal },
        );
        const trainSeconds = (Date.now() - t0) / 1000;
        let ev: Evaluation | null = null;
        if (o.evalRounds !== 'last' || round === o.rounds) {
          step('evaluating', round, w);
          ev = await evaluate(name);
          log(`  trained ${name} in ${trainSeconds.toFixed(0)} s: ${(100 * ev.successRate).toFixed(0)}% [${ev.ci95.map((x) => (100 * x).toFixed(0)).join(', ')}]`);
        } else log(`  trained ${name} in ${trainSeconds.toFixed(0)} s (not evaluated: only the last round is)`);
        const { episodeIds: _ids, ...d } = deploy;
        rows.push({
          round, weighting: w, version: name, eval: ev, trainSeconds,
          trainSamples: trained.manifest.training!.samples,
          trainWeight: trained.manifest.training!.trainWeight ?? 0,
          deploy: { ...d, interventionsPerEpisode: d.interventions / Math.max(1, d.episodes) },
        });
        current.set(w, name);
        done++;
      }
    }
  } finally {
    runtime.dispose();
    await recorder.close();
    await catalog.close();
  }
  const { log: _l, dataDir: _d, runId: _r, signal: _s, onProgress: _p, ...options } = o;
  return { runId, dir, options, rows };
}

/** The recorder inserts the catalog row asynchronously; tagging must wait for it. */
async function waitForRow(catalog: SqliteCatalog, id: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await catalog.get(id)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`learning loop: episode ${id} never reached the catalog`);
}

async function waitIdle(recorder: Recorder): Promise<void> {
  for (let i = 0; i < 500 && recorder.stats().queued > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

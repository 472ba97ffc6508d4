import { getTask } from '../../sim/tasks/task-registry.ts';
import type { ControlLoop } from '../control/control-loop.ts';
import { runEpisodes } from '../control/episode-runner.ts';
import { SimulatedOperatorAgent } from '../control/simulated-operator-agent.ts';
import { SimulatedOperator, type OperatorKnobs } from '../../sim/simulated-operator.ts';
import { createSimLoop } from '../control/sim-loop.ts';
import { backendInfo, describeBackend, initBackend } from '../../policies/backend.ts';
import type { Evaluation, PolicyManifest } from '../../policies/policy-manifest.ts';
import type { NewPolicyManifest } from '../../policies/policy-registry.ts';
import { PolicyRegistry, type LoadedPolicy } from '../../policies/policy-registry.ts';
import { PolicyRuntime, type InferenceEngine } from '../../policies/policy-runtime.ts';
import { wilsonInterval } from '../../policies/wilson-interval.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';
import { ProgressBar } from './progress-bar.ts';

export interface EvaluateOptions {
  task: string;
  episodes: number;
  seedBase: number;
  /** default tfjs: the engine the shipped evaluations were made with (float rounding differs between engines) */
  engine?: InferenceEngine;
  onEpisode?: (done: number, successes: number) => void;
  /** after every control tick (tests read what the loop executed) */
  onTick?: (loop: ControlLoop) => void;
  /** a simulated person supervises every episode with these knobs (server/control/simulated-operator-agent.ts); absent: the policy alone */
  operator?: Partial<OperatorKnobs>;
}

/** A training candidate (not yet a stored version) as a manifest `evaluatePolicy` can run. */
export function candidateManifest(draft: NewPolicyManifest): PolicyManifest {
  return { ...draft, format: 'takeover-policy/1', version: 'candidate', createdAt: '', model: { format: 'tfjs-layers', file: 'model.json' } };
}

/**
 * Runs a policy in the simulator on seeds seedBase .. seedBase + episodes - 1 through the control
 * loop a deployed sim robot runs (IK, safety filter, workspace limits), as fast as the simulation
 * goes (simulated time, the policy's control rate), and scores success. The same seeds and
 * weights give the same result: physics and inference are deterministic.
 */
export async function evaluatePolicy(policy: LoadedPolicy, o: EvaluateOptions): Promise<Evaluation> {
  if (!Number.isInteger(o.episodes) || o.episodes < 1) throw new Error(`episodes must be at least 1, got ${o.episodes}`);
  await initBackend();
  const task = getTask(o.task);
  const m = policy.manifest;
  const runtime = new PolicyRuntime({ source: { load: async () => policy }, engine: o.engine ?? 'tfjs', maxBatch: 1 });
  await runtime.assign('eval', m.version);
  const { loop, clock } = await createSimLoop({ robotId: 'eval', task: task.name, controlHz: m.controlRateHz, policy: runtime.slotFor('eval') });
  // the agent acts through the loop's hooks, as a console's operator does
  if (o.operator) new SimulatedOperatorAgent(loop, new SimulatedOperator(task.name, o.operator, { controlHz: m.controlRateHz }));
  if (o.onTick) loop.on('tick', o.onTick);
  let successes = 0;
  let steps = 0;
  const failedSeeds: number[] = [];
  try {
    const seeds = Array.from({ length: o.episodes }, (_, i) => o.seedBase + i);
    await runEpisodes(loop, clock, seeds, {
      onEpisode(i, r) {
        if (r.outcome === 'success') successes++;
        else failedSeeds.push(r.seed);
        steps += r.steps;
        o.onEpisode?.(i + 1, successes);
      },
    });
  } finally {
    runtime.release('eval');
    runtime.dispose();
  }
  return {
    task: task.name,
    episodes: o.episodes,
    seedBase: o.seedBase,
    successes,
    successRate: successes / o.episodes,
    ci95: wilsonInterval(successes, o.episodes),
    meanEpisodeLength: steps / o.episodes,
    failedSeeds,
    maxSteps: loop.episodes.stepLimit,
    backend: backendInfo()?.candidate,
    at: new Date().toISOString(),
  };
}

/** Formats an evaluation as one line for people. */
export function formatEvaluation(version: string, e: Evaluation): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return (
    `policy ${version} on ${e.task}: ${e.successes}/${e.episodes} succeeded = ${pct(e.successRate)} ` +
    `(95% CI ${pct(e.ci95[0])} .. ${pct(e.ci95[1])}), mean episode ${e.meanEpisodeLength.toFixed(1)} steps, seeds ${e.seedBase}..${e.seedBase + e.episodes - 1}`
  );
}

/** `takeover eval`: success rate of a policy version in the simulator. */
export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'evaluate a policy version in the simulator: success rate with a 95% interval',
  usage: 'takeover eval --policy VERSION [--task place] [--episodes 100] [--seed-base 10000] [--engine tfjs|js|auto] [--json]',
  options: {
    policy: { type: 'string' },
    task: { type: 'string' },
    episodes: { type: 'string' },
    'seed-base': { type: 'string' },
    engine: { type: 'string' },
  },
  async run(flags, values) {
    const version = (values.policy as string | undefined) ?? 'default';
    const episodes = intFlag(values, 'episodes', 100)!;
    const seedBase = intFlag(values, 'seed-base', flags.seed ?? 10000)!;
    const engine = (values.engine as string | undefined) ?? 'tfjs';
    if (engine !== 'tfjs' && engine !== 'js' && engine !== 'auto') throw new UsageError(`--engine is tfjs, js or auto, got '${engine}'`);
    if (episodes < 1) throw new UsageError('--episodes must be at least 1');
    const registry = new PolicyRegistry({ dataDir: flags.dataDir });
    let manifest: PolicyManifest;
    try {
      manifest = registry.manifest(version);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const task = (values.task as string | undefined) ?? manifest.task ?? 'place';
    try {
      getTask(task);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    await initBackend();
    if (!flags.json) process.stderr.write(`${describeBackend()}\n`);
    const loaded = await registry.load(version);
    const bar = new ProgressBar(`eval ${version} ${task}`, episodes, { enabled: Boolean(process.stderr.isTTY) && !flags.json });
    const t0 = performance.now();
    const e = await evaluatePolicy(loaded, { task, episodes, seedBase, engine, onEpisode: (d, s) => bar.update(d, `${s} ok`) });
    bar.finish();
    const seconds = (performance.now() - t0) / 1000;
    if (flags.json) printJson({ policy: version, ...e, wallSeconds: seconds });
    else process.stdout.write(`${formatEvaluation(version, e)}\n(${seconds.toFixed(1)} s wall)\n`);
    return 0;
  },
};

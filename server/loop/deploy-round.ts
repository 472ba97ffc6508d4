import type { Recorder } from '../../recordings/recorder.ts';
import type { PolicyRuntime } from '../../policies/policy-runtime.ts';
import { SimulatedOperator, type OperatorKnobs } from '../../sim/simulated-operator.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import { runEpisodes } from '../control/episode-runner.ts';
import { createSimLoop } from '../control/sim-loop.ts';
import { SimulatedOperatorAgent } from '../control/simulated-operator-agent.ts';

export interface DeployOptions {
  robotId: string;
  task: TaskName;
  /** the policy version the robot runs (already loadable by the runtime) */
  version: string;
  runtime: PolicyRuntime;
  recorder: Recorder;
  seeds: number[];
  controlHz?: number;
  operator?: Partial<OperatorKnobs>;
  /** seeds the simulated person's draws (reaction spread, sloppy corrections): same seed, same person */
  operatorSeed?: number;
  /** called after each episode with its id */
  onEpisode?: (i: number, episodeId: string) => Promise<void> | void;
}

export interface DeployResult {
  episodes: number;
  successes: number;
  interventions: number;
  rewinds: number;
  operatorSteps: number;
  steps: number;
  episodeIds: string[];
}

/**
 * Deploys a policy on simulated episodes under a simulated operator, through the same control
 * loop, arbiter, safety filter and recorder as a live robot, on simulated time (as fast as the
 * machine goes). Every episode lands in the recordings like a person-supervised one.
 */
export async function deployRound(o: DeployOptions): Promise<DeployResult> {
  const controlHz = o.controlHz ?? 20;
  await o.runtime.assign(o.robotId, o.version);
  let n = 0;
  const ids: string[] = [];
  const { loop, clock, bridge } = await createSimLoop({
    robotId: o.robotId, task: o.task, controlHz, policy: o.runtime.slotFor(o.robotId), recorder: o.recorder,
    newEpisodeId: () => `${o.robotId}-${Date.now().toString(36)}-${n++}`,
  });
  const agent = new SimulatedOperatorAgent(loop, new SimulatedOperator(o.task, o.operator, { controlHz, seed: o.operatorSeed ?? 0 }));
  const result: DeployResult = { episodes: 0, successes: 0, interventions: 0, rewinds: 0, operatorSteps: 0, steps: 0, episodeIds: ids };
  try {
    await runEpisodes(loop, clock, o.seeds, {
      async onEpisode(i, r) {
        ids.push(r.id);
        result.episodes++;
        result.steps += r.steps;
        if (r.outcome === 'success') result.successes++;
        await waitDrained(o.recorder);
        await o.onEpisode?.(i, r.id);
      },
    });
  } finally {
    o.runtime.release(o.robotId);
    await bridge.disconnect();
  }
  result.interventions = agent.stats.interventions;
  result.rewinds = agent.stats.rewinds;
  result.operatorSteps = agent.stats.operatorSteps;
  return result;
}

/** Lets the recorder's timed flush catch up with a loop that ran faster than real time. */
async function waitDrained(recorder: Recorder): Promise<void> {
  for (let i = 0; i < 200 && recorder.stats().queued > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

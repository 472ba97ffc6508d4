import { ScriptedExpert } from '../../sim/scripted-expert.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { fromActingSource } from '../control/action-source.ts';
import { runEpisodes } from '../control/episode-runner.ts';
import { createSimLoop } from '../control/sim-loop.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';
import { ProgressBar } from './progress-bar.ts';

/**
 * `takeover sim`: runs the scripted expert headless, through the control loop a sim robot runs
 * (IK, safety filter, workspace limits) on simulated time, and reports success and simulation speed.
 */
export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'run the scripted expert in MuJoCo headless; success rate and physics speed',
  usage: 'takeover sim --task reach|lift|place [--episodes N] [--seed-base N] [--control-hz N] [--json]',
  options: {
    task: { type: 'string' },
    episodes: { type: 'string' },
    'seed-base': { type: 'string' },
    'control-hz': { type: 'string' },
  },
  async run(flags, values) {
    const taskName = (values.task as string | undefined) ?? 'place';
    let task;
    try {
      task = getTask(taskName);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const episodes = intFlag(values, 'episodes', 20)!;
    const seedBase = intFlag(values, 'seed-base', flags.seed ?? 0)!;
    const controlHz = intFlag(values, 'control-hz', 20)!;
    if (episodes < 1) throw new UsageError('--episodes must be at least 1');
    if (controlHz < 1 || controlHz > 500) throw new UsageError('--control-hz must be in 1..500');

    const expert = new ScriptedExpert(task.name, { controlHz });
    const { loop, clock, bridge } = await createSimLoop({ robotId: 'sim', task: task.name, controlHz, policy: fromActingSource(expert) });
    const sim = bridge.sim;
    const bar = new ProgressBar(`sim ${task.name}`, episodes, { enabled: Boolean(process.stderr.isTTY) && !flags.json });
    let successes = 0;
    let steps = 0;
    const failedSeeds: number[] = [];
    const physics0 = sim.physicsSteps;
    const t0 = process.hrtime.bigint();
    const seeds = Array.from({ length: episodes }, (_, i) => seedBase + i);
    await runEpisodes(loop, clock, seeds, {
      onEpisode(i, r) {
        steps += r.steps;
        if (r.outcome === 'success') successes++;
        else failedSeeds.push(r.seed);
        bar.update(i + 1, `${successes} ok`);
      },
    });
    const physicsSteps = sim.physicsSteps - physics0;
    bar.finish();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const result = {
      task: task.name,
      episodes,
      seed_base: seedBase,
      successes,
      success_rate: successes / episodes,
      failed_seeds: failedSeeds,
      mean_episode_steps: steps / episodes,
      physics_steps: physicsSteps,
      physics_steps_per_s: physicsSteps / wall,
      real_time_factor: (physicsSteps * sim.physicsDt) / wall,
      wall_seconds: wall,
    };
    if (flags.json) printJson(result);
    else {
      process.stdout.write(
        `task ${result.task}: ${successes}/${episodes} succeeded (${(100 * result.success_rate).toFixed(1)}%), ` +
          `mean ${result.mean_episode_steps.toFixed(1)} steps\n` +
          `physics ${result.physics_steps_per_s.toFixed(0)} steps/s, ${result.real_time_factor.toFixed(1)}x real time ` +
          `(expert, IK and observation included) over ${wall.toFixed(1)} s\n` +
          (failedSeeds.length ? `failed seeds: ${failedSeeds.join(', ')}\n` : ''),
      );
    }
    return 0;
  },
};

import type { Observation } from '../../../core/observation.ts';
import type { ActionSource as ActingSource } from '../../../sim/action-source.ts';
import type { TaskName } from '../../../sim/tasks/task.ts';
import { fromActingSource } from '../../../server/control/action-source.ts';
import { runEpisodes, type EpisodeResult } from '../../../server/control/episode-runner.ts';
import { createSimLoop, type SimLoop } from '../../../server/control/sim-loop.ts';

type StepHook = ((step: number, obs: Observation, executed: Float64Array | null) => void) | undefined;
const hooks = new WeakMap<SimLoop['loop'], StepHook>();

/** A headless sim robot for tests, built as evaluation builds it. */
export function actingLoop(task: TaskName, controlHz = 20): Promise<SimLoop> {
  return createSimLoop({ robotId: 'test', task, controlHz });
}

/**
 * Runs one episode of a sim/ action source (expert, test double) through the loop; `onStep` sees
 * each tick's observation and the action the loop executed (null when it held).
 */
export async function runActing(
  sl: SimLoop, source: ActingSource, seed: number, onStep?: (step: number, obs: Observation, executed: Float64Array | null) => void,
): Promise<EpisodeResult & { success: boolean }> {
  sl.loop.policy = fromActingSource(source);
  // one tick listener per loop; it calls the current episode's onStep
  if (!hooks.has(sl.loop)) sl.loop.on('tick', (l) => {
    if (l.obs && l.episode) hooks.get(l)?.(l.episode.step, l.obs, l.executed);
  });
  hooks.set(sl.loop, onStep);
  const [r] = await runEpisodes(sl.loop, sl.clock, [seed]);
  return { ...r, success: r.outcome === 'success' };
}

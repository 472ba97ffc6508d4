import type { HelpRolloutsOption } from '../../policies/training-job.ts';
import type { RolloutTrace } from '../../policies/rollout-calibration.ts';
import { candidateManifest, evaluatePolicy } from './eval-command.ts';
import { ProgressBar } from './progress-bar.ts';

/**
 * Plays a training candidate `episodes` times in the simulator (seeds from `seedBase`, through the
 * deployed control loop, as `takeover eval` does) and keeps, per rollout, its outcome and the
 * chosen help score of every tick: what `takeover train --help-rollouts` calibrates on.
 */
export function simHelpRollouts(task: string, episodes: number, seedBase: number, showProgress: boolean): HelpRolloutsOption['run'] {
  return async (draft, weights, help, score) => {
    const bar = new ProgressBar(`help rollouts ${task}`, episodes, { enabled: showProgress });
    const manifest = candidateManifest(draft);
    const traces: RolloutTrace[] = [];
    let scores: number[] = [];
    let before = 0;
    await evaluatePolicy({ manifest, weights, ...help }, {
      task, episodes, seedBase,
      onTick(loop) {
        scores.push((score === 'ensemble' ? loop.helpEnsembleScore : loop.helpScore) ?? Number.NaN);
      },
      onEpisode(done, successes) {
        traces.push({ failed: successes === before, scores: Float64Array.from(scores) });
        before = successes;
        scores = [];
        bar.update(done, `${successes} ok`);
      },
    });
    bar.finish();
    return traces;
  };
}

import type { HelpRolloutsOption } from '../../policies/help-rollout-calibration.ts';
import { extractFeatures } from '../../policies/observation-features.ts';
import type { RolloutTrace } from '../../policies/rollout-calibration.ts';
import { candidateManifest, evaluatePolicy } from './eval-command.ts';
import { ProgressBar } from './progress-bar.ts';

/**
 * Plays a training candidate `episodes` times in the simulator (seeds from `seedBase`, through the
 * deployed control loop, as `takeover eval` does) and keeps, per rollout, its outcome, the chosen
 * help score of every tick, the tick's observation features and its clock: what `takeover train
 * --help-rollouts` calibrates on, and what a failure-risk model learns from.
 */
export function simHelpRollouts(task: string, episodes: number, seedBase: number, showProgress: boolean): HelpRolloutsOption['run'] {
  return async (draft, weights, help, score) => {
    const bar = new ProgressBar(`help rollouts ${task}`, episodes, { enabled: showProgress });
    const manifest = candidateManifest(draft);
    const spec = manifest.observation;
    const traces: RolloutTrace[] = [];
    let scores: number[] = [];
    let features: number[] = [];
    let times: number[] = [];
    const row = new Float32Array(spec.dim);
    let before = 0;
    await evaluatePolicy({ manifest, weights, ...help }, {
      task, episodes, seedBase,
      onTick(loop) {
        scores.push((score === 'ensemble' ? loop.helpEnsembleScore : loop.helpScore) ?? Number.NaN);
        // the observation the policy acted on this tick (NaN without one: left out of training)
        if (loop.obs) extractFeatures(spec, loop.obs, row);
        else row.fill(Number.NaN);
        for (const v of row) features.push(v);
        times.push(loop.obs ? loop.obs.t : Number.NaN);
      },
      onEpisode(done, successes) {
        traces.push({ failed: successes === before, scores: Float64Array.from(scores), features: Float32Array.from(features), times: Float64Array.from(times) });
        before = successes;
        scores = [];
        features = [];
        times = [];
        bar.update(done, `${successes} ok`);
      },
    });
    bar.finish();
    return traces;
  };
}

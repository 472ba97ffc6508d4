import type { HelpRolloutsOption } from '../../policies/help-rollout-calibration.ts';
import { extractFeatures, type FeatureSpec } from '../../policies/observation-features.ts';
import type { LoadedPolicy } from '../../policies/policy-registry.ts';
import type { RolloutTrace } from '../../policies/rollout-calibration.ts';
import { SimulatedOperator, type OperatorKnobs } from '../../sim/simulated-operator.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { candidateManifest, evaluatePolicy } from './eval-command.ts';
import { ProgressBar } from './progress-bar.ts';

/**
 * The simulated operator of the corrected pass: default knobs, stepping in at most once an
 * episode, so that what follows the hand-back is the policy's own doing.
 */
export const CORRECTED_PASS_OPERATOR: Partial<OperatorKnobs> = { maxInterventions: 1 };

/**
 * Plays a training candidate `episodes` times in the simulator (seeds from `seedBase`, through the
 * deployed control loop, as `takeover eval` does) and keeps, per rollout, its outcome, the chosen
 * help score of every tick, the tick's observation features and its clock: what `takeover train
 * --help-rollouts` calibrates on, and what a failure-risk model learns from. With `corrected`,
 * the same seeds are played once more with a simulated operator who steps in once on a visible
 * failure (CORRECTED_PASS_OPERATOR), and every episode corrected so adds a trace marked
 * `corrected` whose ticks after the hand-back carry their features (the others NaN): states a
 * deployed robot reaches after a person's correction, which the policy alone never visits.
 */
export function simHelpRollouts(task: string, episodes: number, seedBase: number, showProgress: boolean, { corrected = false, signs = false }: { corrected?: boolean; signs?: boolean } = {}): HelpRolloutsOption['run'] {
  return async (draft, weights, help, score) => {
    const manifest = candidateManifest(draft);
    const policy = { manifest, weights, ...help };
    const pass = { task, episodes, seedBase, spec: manifest.observation, score, showProgress, signs };
    const traces = await recordPass(policy, pass);
    return corrected ? [...traces, ...(await recordPass(policy, { ...pass, operator: CORRECTED_PASS_OPERATOR }))] : traces;
  };
}

interface Pass {
  task: string;
  episodes: number;
  seedBase: number;
  spec: FeatureSpec;
  score: 'novelty' | 'ensemble';
  showProgress: boolean;
  /** the corrected pass's operator: only the policy's ticks after their correction keep their features, and only corrected episodes make a trace */
  operator?: Partial<OperatorKnobs>;
  /** whether a simulated person watches each policy-alone rollout and its trace records the tick of their first failure sign (`firstSign`) */
  signs: boolean;
}

/** One pass of rollouts, recorded tick by tick. */
async function recordPass(policy: LoadedPolicy, { task, episodes, seedBase, spec, score, showProgress, operator, signs }: Pass): Promise<RolloutTrace[]> {
  const afterHandBack = operator !== undefined;
  // a person who only watches: the first tick they would have stepped in at
  const watcher = signs && !afterHandBack ? new SimulatedOperator(getTask(task).name, {}, { controlHz: policy.manifest.controlRateHz }) : null;
  let firstSign = -1;
  const bar = new ProgressBar(`${afterHandBack ? 'corrected' : 'help'} rollouts ${task}`, episodes, { enabled: showProgress });
  const traces: RolloutTrace[] = [];
  let scores: number[] = [];
  let features: number[] = [];
  let times: number[] = [];
  const row = new Float32Array(spec.dim);
  let before = 0;
  // corrected pass: whether the operator has driven this episode yet, and whether a policy tick followed
  let operated = false;
  let kept = false;
  await evaluatePolicy(policy, {
    task, episodes, seedBase, operator,
    onTick(loop) {
      if (watcher && loop.obs) {
        if (scores.length === 0) watcher.reset(loop.obs);
        if (firstSign < 0 && loop.mode === 'AUTONOMOUS' && watcher.decide(loop.obs, { mode: loop.mode, proposed: loop.proposed }).type === 'take_over') firstSign = scores.length;
      }
      scores.push((score === 'ensemble' ? loop.helpEnsembleScore : loop.helpScore) ?? Number.NaN);
      if (loop.source === 'operator' || loop.mode === 'REWINDING') operated = true;
      const keep = !afterHandBack || (operated && loop.source === 'policy');
      kept ||= afterHandBack && keep;
      // the observation the policy acted on this tick (NaN without one, or outside what this pass keeps: left out of training)
      if (loop.obs && keep) extractFeatures(spec, loop.obs, row);
      else row.fill(Number.NaN);
      for (const v of row) features.push(v);
      times.push(loop.obs && keep ? loop.obs.t : Number.NaN);
    },
    onEpisode(done, successes) {
      if (!afterHandBack || kept) {
        traces.push({ failed: successes === before, scores: Float64Array.from(scores), features: Float32Array.from(features), times: Float64Array.from(times), ...(afterHandBack ? { corrected: true } : {}), ...(watcher ? { firstSign } : {}) });
      }
      before = successes;
      scores = [];
      features = [];
      times = [];
      operated = false;
      kept = false;
      firstSign = -1;
      bar.update(done, `${successes} ok`);
    },
  });
  bar.finish();
  return traces;
}

import type { Step } from '../core/step.ts';
import { ACTION_DIM } from '../core/action.ts';
import { labelSteps, type LabelOptions } from '../recordings/step-labels.ts';
import { extractFeatures, type FeatureSpec } from './observation-features.ts';
import { countClasses, sampleWeights, type ClassCounts, type Weighting } from './sirius-weights.ts';

/** Samples ready for the trainer: row-major features and actions, a weight and episode per row. */
export interface TrainingSet {
  inputDim: number;
  outputDim: number;
  count: number;
  features: Float32Array;
  actions: Float32Array;
  weights: Float32Array;
  /** index into `episodeIds` of each sample's episode (validation holds out whole episodes) */
  episode: Int32Array;
  episodeIds: string[];
}

/** One recorded episode as the trainer needs it. */
export interface EpisodeSteps {
  id: string;
  kind: 'policy' | 'demo';
  steps: readonly Step[];
  events: readonly { type: string; [k: string]: unknown }[];
}

export interface TrainingSetSummary {
  episodes: number;
  samples: number;
  classes: ClassCounts;
  /** steps with no training value (rewound, idle, recovery unless included, no executed action) */
  skipped: number;
}

/**
 * Episodes -> weighted samples. Labels come from recordings/step-labels.ts (the one labelling
 * function), the weights from the chosen scheme over the whole set, the input from the policy's
 * feature spec and the target from the step's label when it has one (noise-injected demos), else
 * the executed action.
 */
export function buildTrainingSet(episodes: readonly EpisodeSteps[], spec: FeatureSpec, weighting: Weighting, labelOptions: LabelOptions = {}): { set: TrainingSet; summary: TrainingSetSummary } {
  const rows: { ep: number; step: Step; label: number }[] = [];
  let skipped = 0;
  episodes.forEach((e, ep) => {
    const labels = labelSteps(e.steps, e.events, e.kind, labelOptions);
    e.steps.forEach((step, i) => {
      const l = labels[i];
      if (!l.train || l.intvLabel === null || !step.executed) {
        skipped++;
        return;
      }
      rows.push({ ep, step, label: l.intvLabel });
    });
  });
  const n = rows.length;
  const features = new Float32Array(n * spec.dim);
  const actions = new Float32Array(n * ACTION_DIM);
  const episode = new Int32Array(n);
  const labels = new Int8Array(n);
  rows.forEach((r, i) => {
    try {
      extractFeatures(spec, r.step.obs, features, i * spec.dim);
    } catch (err) {
      throw new Error(`episode ${episodes[r.ep].id} step ${r.step.step}: ${(err as Error).message}`);
    }
    // a noise-injected demo trains on its clean label, not on the noisy action that ran
    actions.set(r.step.label ?? r.step.executed!, i * ACTION_DIM);
    episode[i] = r.ep;
    labels[i] = r.label;
  });
  const weights = sampleWeights(weighting, labels);
  return {
    set: { inputDim: spec.dim, outputDim: ACTION_DIM, count: n, features, actions, weights, episode, episodeIds: episodes.map((e) => e.id) },
    summary: { episodes: episodes.length, samples: n, classes: countClasses(labels), skipped },
  };
}

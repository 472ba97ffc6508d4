import type { Outcome, Step } from '../../core/step.ts';

/** What the loop tells the recorder about an episode (recordings/recorder.ts's EpisodeMeta). */
export interface EpisodeMeta {
  episodeId: string;
  robotId: string;
  task: string;
  seed: number;
  policyVersion: string | null;
  kind: 'policy' | 'demo';
  startedAt: number;
}

/** A timeline event of an episode. */
export type EpisodeEvent = {
  type: 'reset' | 'outcome' | 'rewind' | 'mode' | 'lease' | 'command' | 'policy_swap' | 'note' | 'help';
  t: number;
  step: number;
  [k: string]: unknown;
};

/**
 * The part of recordings/recorder.ts the control loop uses. Every call must return at once
 * (the recorder queues and writes off the tick).
 */
export interface RecorderPort {
  beginEpisode(meta: EpisodeMeta): void;
  appendStep(step: Step): void;
  appendEvent(episodeId: string, e: EpisodeEvent): void;
  endEpisode(episodeId: string, outcome: Outcome): void;
}

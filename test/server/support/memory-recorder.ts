import type { Outcome, Step } from '../../../core/step.ts';
import type { EpisodeEvent, EpisodeMeta, RecorderPort } from '../../../server/control/recorder-port.ts';

/** TEST DOUBLE recorder: keeps everything in arrays. */
export class MemoryRecorder implements RecorderPort {
  episodes: EpisodeMeta[] = [];
  steps: Step[] = [];
  events: Array<{ episodeId: string; e: EpisodeEvent }> = [];
  ended: Array<{ episodeId: string; outcome: Outcome }> = [];
  beginEpisode(meta: EpisodeMeta): void { this.episodes.push(meta); }
  appendStep(step: Step): void { this.steps.push(step); }
  appendEvent(episodeId: string, e: EpisodeEvent): void { this.events.push({ episodeId, e }); }
  endEpisode(episodeId: string, outcome: Outcome): void { this.ended.push({ episodeId, outcome }); }
}

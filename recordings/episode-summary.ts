import type { Outcome } from '../core/step.ts';
import type { EpisodeRow, EpisodeStatus } from './catalog.ts';
import { journalFile } from './data-dir.ts';
import type { EpisodeMeta } from './journal-schemas.ts';
import { labelSteps, summarizeLabels, type LabelInput } from './step-labels.ts';

/** The catalog row an episode's recorded steps and events add up to (recovery rebuilds rows with it). */
export function rowFromJournal(
  meta: EpisodeMeta,
  steps: readonly (LabelInput & { operatorId?: string | null })[],
  events: readonly { type: string; [k: string]: unknown }[],
  end: { endedAt: number | null; outcome: Outcome | null; droppedSteps: number; bytes: number; status: EpisodeStatus },
  keep: Pick<EpisodeRow, 'notes' | 'tags'> = { notes: '', tags: [] },
): EpisodeRow {
  const operators = new Set<string>();
  for (const s of steps) if (s.operatorId) operators.add(s.operatorId);
  return {
    id: meta.episodeId,
    serverId: '', // the catalog stamps its own
    robotId: meta.robotId,
    task: meta.task,
    seed: meta.seed,
    policyVersion: meta.policyVersion,
    kind: meta.kind,
    startedAt: meta.startedAt,
    file: journalFile(meta.episodeId),
    ...summarizeLabels(labelSteps(steps, events, meta.kind), steps),
    operators: [...operators].sort(),
    steps: steps.length,
    ...end,
    ...keep,
  };
}

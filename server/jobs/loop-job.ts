import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../policies/backend.ts';
import { runLearningLoop } from '../loop/learning-loop.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import type { LoopJobSpec } from './job-spec.ts';

/** The run id of a loop job: its folder is `<dataDir>/loops/<run id>` on the worker. */
export const loopRunIdOf = (jobId: string) => `loop-${jobId}`;

/**
 * Runs `takeover loop`'s learning loop as a job on a worker (server/loop/learning-loop.ts, the
 * same defaults as the command's flags). The run is named after the job, so a retried run
 * replaces the folder an interrupted one left instead of making a second; its versions stay in
 * that folder, as the command's do. Reports the loop's step as progress and stops on cancel.
 */
export async function runLoopJob(spec: LoopJobSpec, ctx: JobContext, log: (line: string) => void = () => {}): Promise<JobOutcome> {
  const runId = loopRunIdOf(ctx.jobId);
  await rm(join(ctx.dataDir, 'loops', runId), { recursive: true, force: true });
  await initBackend();
  const warmStart = spec.warmStart ?? false;
  const report = await runLearningLoop({
    dataDir: ctx.dataDir, runId, signal: ctx.signal, onProgress: (p) => ctx.onProgress({ ...p }), log,
    task: spec.task,
    rounds: spec.rounds ?? 3,
    episodesPerRound: spec.episodesPerRound ?? 30,
    weightings: spec.weightings ?? ['sirius', 'iwr', 'none'],
    seed: spec.seed ?? 1,
    startVersion: spec.startVersion ?? 'default',
    demos: spec.demos ?? 140,
    demoSeedBase: spec.demoSeedBase ?? 0,
    epochs: spec.epochs ?? 40,
    evalEpisodes: spec.evalEpisodes ?? 100,
    evalSeedBase: spec.evalSeedBase ?? 10000,
    rewind: spec.rewind ?? true,
    operator: { finishTask: spec.finishTask ?? false },
    warmStart,
    preInterventionAfterRewind: spec.preInterventionAfterRewind ?? 'kept',
    learningRate: spec.learningRate ?? (warmStart ? 3e-4 : undefined),
  });
  return { version: null, result: { ...report } };
}

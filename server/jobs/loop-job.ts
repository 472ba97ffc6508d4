import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../policies/backend.ts';
import { runLearningLoop } from '../loop/learning-loop.ts';
import { loopScenario } from '../loop/loop-scenario.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import type { LoopJobSpec } from './job-spec.ts';
import { publishedLoopVersions, publishLoopVersions } from './loop-versions.ts';

/** The run id of a loop job: its folder is `<dataDir>/loops/<run id>` on the worker. */
export const loopRunIdOf = (jobId: string) => `loop-${jobId}`;

/**
 * Runs `takeover loop`'s learning loop as a job on a worker (server/loop/learning-loop.ts, the
 * defaults of the command's scenario). The run is named after the job, so a retried run
 * replaces the folder an interrupted one left instead of making a second. At its end the versions
 * it made are published to the shared store together (server/jobs/loop-versions.ts), so any
 * server can swap to them; a retried job whose earlier run published them runs nothing again.
 * Reports the loop's step as progress and stops on cancel.
 */
export async function runLoopJob(spec: LoopJobSpec, ctx: JobContext, log: (line: string) => void = () => {}): Promise<JobOutcome> {
  const runId = loopRunIdOf(ctx.jobId);
  // a run that published before its worker was lost: the job's output exists (its table stayed on that worker)
  const had = await publishedLoopVersions(runId, ctx.store, ctx.jobId);
  if (had.length > 0) return { version: null, result: { runId, reused: true, published: had } };
  await rm(join(ctx.dataDir, 'loops', runId), { recursive: true, force: true });
  await initBackend();
  const { scenario, finishTask, ...given } = spec;
  const base = loopScenario(scenario ?? 'standard', spec.seed ?? 1).settings;
  // the spec's fields over the scenario's (a warm start's learning rate is runLearningLoop's to default)
  const report = await runLearningLoop({
    ...base,
    ...given,
    operator: { ...base.operator, ...(finishTask !== undefined ? { finishTask } : {}) },
    dataDir: ctx.dataDir, runId, signal: ctx.signal, onProgress: (p) => ctx.onProgress({ ...p }), log,
  });
  if (ctx.signal.aborted) throw new Error('cancelled');
  const published = await publishLoopVersions(report, ctx.store, ctx.jobId);
  return { version: null, result: { ...report, published } };
}

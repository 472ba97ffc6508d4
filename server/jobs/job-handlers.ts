import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyRegistry, saveHelpHeads, saveHelpRisk, saveHelpStates, saveWeights, writePolicyFolder } from '../../policies/policy-registry.ts';
import { runTrainingJob, type JobProgress } from '../../policies/training-job.ts';
import { PgCatalog } from '../../recordings/pg-catalog.ts';
import { evaluatePolicy } from '../cli/eval-command.ts';
import { runExportJob } from './export-job.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import { runLoopJob } from './loop-job.ts';
import type { JobSpec } from './job-spec.ts';

export type { JobContext, JobOutcome } from './job-context.ts';

/** Runs one job of any kind to its end (throws on failure; an aborted signal stops it). */
export async function runJob(spec: JobSpec, ctx: JobContext): Promise<JobOutcome> {
  const registry = new PolicyRegistry({ dataDir: ctx.dataDir });
  const builtins = () => (fs.existsSync(registry.builtinDir) ? fs.readdirSync(registry.builtinDir) : []);
  if (spec.kind === 'training') {
    // a run that published before its worker was lost: the version exists, the job is done
    const made = await ctx.store.versionForJob(ctx.jobId);
    if (made) return { version: made.version, result: { reused: true } };
    const t = spec.training;
    if (t.parentVersion && !(await ctx.store.materialize(registry, t.parentVersion))) registry.manifest(t.parentVersion); // a shipped parent, or an error naming it
    const catalog = await PgCatalog.open(ctx.pool, { serverId: ctx.serverId });
    const result = await runTrainingJob(t, {
      dataDir: ctx.dataDir, catalog, journals: ctx.journals, signal: ctx.signal,
      onProgress: (p: JobProgress) => ctx.onProgress({ ...p }),
      createVersion: async (draft, weights, version, help) => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tko-version-'));
        try {
          // written under a placeholder name; the store names it (the next v<N>) as it publishes
          await writePolicyFolder(tmp, { ...draft, version: version ?? 'pending' });
          await saveWeights(tmp, draft.architecture, weights);
          // with its help model: on any server that runs it, the version asks for help as it was calibrated to
          if (draft.help) saveHelpStates(tmp, draft.help, help?.states);
          if (draft.help?.ensemble) saveHelpHeads(tmp, draft.help.ensemble, help?.heads);
          if (draft.help?.risk) saveHelpRisk(tmp, draft.help.risk, help?.risk);
          return await ctx.store.publish(tmp, { jobId: ctx.jobId, version, reserved: builtins() });
        } finally {
          fs.rmSync(tmp, { recursive: true, force: true });
        }
      },
    });
    return { version: result.manifest.version, result: { summary: result.summary, damaged: result.damaged, gapped: result.gapped } };
  }
  if (spec.kind === 'export') return runExportJob(spec.export, ctx);
  if (spec.kind === 'loop') return runLoopJob(spec.loop, ctx);
  const e = spec.evaluation;
  await ctx.store.materialize(registry, e.version);
  const policy = await registry.load(e.version);
  const evaluation = await evaluatePolicy(policy, {
    task: e.task, episodes: e.episodes, seedBase: e.seedBase ?? 0,
    onEpisode: (done, successes) => {
      ctx.onProgress({ phase: 'evaluating', done, total: e.episodes, successes });
      if (ctx.signal.aborted) throw new Error('cancelled');
    },
  });
  return { version: null, result: { evaluation } };
}

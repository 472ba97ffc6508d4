import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseEpisodeQuery } from '../../policies/episode-query.ts';
import { EXPORTERS, type ExportFormat } from '../../recordings/exporter.ts';
import { digestFile, type ObjectDigest } from '../../recordings/object-store.ts';
import { PgCatalog } from '../../recordings/pg-catalog.ts';
import { exportEpisodes } from '../export/export-episodes.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import type { ExportJobSpec } from './job-spec.ts';

/** An exported file copied to the object store. */
export interface ExportedObject extends ObjectDigest {
  key: string;
}

/** Where an export job's output goes on the worker: `<dataDir>/exports/<job id>/` (one place per job). */
export function exportDirOf(dataDir: string, jobId: string): string {
  return join(dataDir, 'exports', jobId);
}

/**
 * Runs an export job on a worker: the submitting server's episodes, read through the worker's
 * journals (its data directory, else the object store), written by the format's exporter into a
 * staging folder that is renamed to `<dataDir>/exports/<job id>/` only once complete, then, with
 * an object store, copied under `<prefix>exports/<job id>/` and read back. A retried run writes
 * the same places again, so a job makes one output however often it runs. A selected journal
 * that cannot be read from here fails the run naming the episode (as a training run does).
 */
export async function runExportJob(spec: ExportJobSpec, ctx: JobContext): Promise<JobOutcome> {
  const query = parseEpisodeQuery(spec.episodes);
  const format: ExportFormat = spec.format;
  const final = exportDirOf(ctx.dataDir, ctx.jobId);
  const staging = join(ctx.dataDir, 'exports', `.${ctx.jobId}.part`);
  const stopIfCancelled = () => {
    if (ctx.signal.aborted) throw new Error('cancelled');
  };
  // a run cut short left its staging folder: this run starts it again
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const catalog = await PgCatalog.open(ctx.pool, { serverId: ctx.serverId });
    const out = EXPORTERS[format].target === 'file' ? join(staging, 'episodes.hdf5') : staging;
    ctx.onProgress({ phase: 'loading', done: 0, total: 0 });
    const exported = await exportEpisodes(
      ctx.dataDir,
      { format, query, includeGapped: spec.includeGapped, includeRewound: spec.includeRewound, includeRecovery: spec.includeRecovery, controlHz: spec.controlHz ?? 20 },
      out,
      {
        journals: ctx.journals, catalog,
        onEpisode: (done, total) => {
          ctx.onProgress({ phase: 'loading', done, total });
          stopIfCancelled();
        },
      },
    );
    const { result, damaged, gapped, unavailable } = exported;
    if (unavailable.length > 0) throw new Error(`${unavailable.length} selected episode(s) could not be read here, nothing was exported: ${unavailable.slice(0, 5).map((u) => u.error).join('; ')}${unavailable.length > 5 ? `; and ${unavailable.length - 5} more` : ''}`);
    if (!result) throw new Error(`no finished episode matches '${spec.episodes}'${damaged.length ? ` that reads (${damaged.length} damaged, quarantined)` : ''}${gapped.length ? ` (${gapped.length} with gaps: includeGapped exports them)` : ''}`);
    stopIfCancelled();
    // an earlier run of this job that finished writing: its output is replaced by this one, never doubled
    await rm(final, { recursive: true, force: true });
    await rename(staging, final);
    const objects = await uploadExport(final, ctx);
    return {
      version: null,
      result: {
        format, episodes: exported.episodes, written: result.written, ...result.details, skipped: result.skipped, damaged, gapped,
        dir: final, ...(EXPORTERS[format].target === 'file' ? { file: join(final, 'episodes.hdf5') } : {}),
        objects,
      },
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Copies an export's files under `exports/<job id>/` in the worker's object store, each read back and checked; null without a store. */
async function uploadExport(dir: string, ctx: JobContext): Promise<ExportedObject[] | null> {
  const store = ctx.journals.store;
  if (!store) return null;
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  const objects: ExportedObject[] = [];
  for (const file of files) {
    if (ctx.signal.aborted) throw new Error('cancelled');
    ctx.onProgress({ phase: 'uploading', done: objects.length, total: files.length });
    const rel = relative(dir, file).split('\\').join('/');
    const key = store.keyOf(`exports/${ctx.jobId}/${rel}`);
    const local = await digestFile(file);
    await store.put(key, file, local, ctx.signal);
    const stored = await store.digest(key, ctx.signal);
    if (!stored || stored.size !== local.size || stored.sha256 !== local.sha256) {
      throw new Error(`the export's copy of ${rel} in ${store.where} did not verify (key '${key}': ${stored ? `${stored.size} bytes, SHA-256 ${stored.sha256}` : 'missing'}; the file is ${local.size} bytes, SHA-256 ${local.sha256})`);
    }
    objects.push({ key, ...local });
  }
  ctx.onProgress({ phase: 'uploading', done: objects.length, total: files.length });
  return objects;
}

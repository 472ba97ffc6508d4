import fs from 'node:fs';
import path from 'node:path';
import type { JobVersion, PgPolicyStore } from '../../policies/pg-policy-store.ts';
import { POLICY_JSON } from '../../policies/policy-manifest.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { parseLoopVersionName, type LoopReport } from '../loop/learning-loop.ts';

/** A version a loop job made, as published to the shared store. */
export interface PublishedLoopVersion {
  /** 0 for a trained start */
  round: number;
  weighting: string;
  /** its name in the run's folder on the worker (the report's rows name it so) */
  local: string;
  /** its name in the shared store, on every server */
  version: string;
  /** in the store's names (a shipped version keeps its own) */
  parentVersion: string | null;
}

/**
 * Publishes every version a loop run made (a trained start, each round's version of each
 * weighting; not a shipped start) to the shared store in one transaction, with their help models
 * and the loop's evaluation of each. Keyed by the job and the run's name of each version: a
 * retried job that already published gets the same set back (docs/deployment.md, "Loop jobs").
 */
export async function publishLoopVersions(report: LoopReport, store: PgPolicyStore, jobId: string): Promise<PublishedLoopVersion[]> {
  const registry = new PolicyRegistry({ dataDir: report.dir });
  const made = report.rows.filter((r) => fs.existsSync(path.join(registry.root, r.version, POLICY_JSON)));
  const shipped = fs.existsSync(registry.builtinDir) ? fs.readdirSync(registry.builtinDir) : [];
  const set = await store.publishJob(jobId, made.map((r) => ({ output: r.version, dir: path.join(registry.root, r.version), evaluation: r.eval ? [r.eval] : [] })), shipped);
  return set.map((v) => describe(report.runId, v));
}

/** The versions a loop job already published (empty if none): a retried job's earlier run got that far. */
export async function publishedLoopVersions(runId: string, store: PgPolicyStore, jobId: string): Promise<PublishedLoopVersion[]> {
  return (await store.versionsForJob(jobId)).map((v) => describe(runId, v));
}

/** Where in the run a version came from, read from the name the loop gave it (loopVersionName). */
function describe(runId: string, { output, manifest }: JobVersion): PublishedLoopVersion {
  const at = parseLoopVersionName(runId, output);
  if (!at) throw new Error(`loop version '${output}' is not named as run ${runId} names its versions`);
  return { ...at, local: output, version: manifest.version, parentVersion: manifest.parentVersion };
}

import type pg from 'pg';
import type { PgPolicyStore } from '../../policies/pg-policy-store.ts';
import type { EpisodeJournals } from '../../recordings/episode-journals.ts';

/** What a job runs with on a worker. */
export interface JobContext {
  /** the queue's id of the job: a retried job makes no second version */
  jobId: string;
  /** the server the job was submitted on: a training job trains on its episodes */
  serverId: string;
  /** the worker's data directory: the registry versions are materialized into, journals found on this disk */
  dataDir: string;
  /** journal bytes: the data directory's file, else the object store's verified copy (cached in dataDir) */
  journals: EpisodeJournals;
  pool: pg.Pool;
  store: PgPolicyStore;
  signal: AbortSignal;
  onProgress: (p: Record<string, unknown>) => void;
}

/** What a job reports at its end: the version it made (training), and its result. */
export interface JobOutcome {
  version: string | null;
  result: Record<string, unknown>;
}

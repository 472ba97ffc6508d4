import { hostname } from 'node:os';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { openPgPool } from '../../database/pg-pool.ts';
import { PgPolicyStore } from '../../policies/pg-policy-store.ts';
import { openEpisodeJournals, type OpenedJournals } from '../../recordings/open-episode-journals.ts';
import type { ObjectStoreConfig } from '../config/config-schema.ts';
import { runJob } from './job-handlers.ts';
import type { JobSpec } from './job-spec.ts';
import { JOB_QUEUE, openPgBoss, type JobQueueOptions } from './pg-job-queue.ts';

export interface JobWorkerOptions extends JobQueueOptions {
  /** the shared database */
  database: string;
  /** journals are read from here when present; versions are materialized into its registry */
  dataDir: string;
  /** where the servers upload journals: one not in `dataDir` is fetched from here into `<dataDir>/cache/` */
  objectStore?: ObjectStoreConfig;
  /** this worker's name in the jobs it runs (default `worker-<hostname>-<pid>`) */
  workerId?: string;
  /** how often a running job's heartbeat (and progress) is written, ms (default 2000) */
  heartbeatMs?: number;
  /** a running job without a heartbeat for this long lost its worker and is retried, ms (default 60000) */
  staleMs?: number;
  log?: (line: string) => void;
}

type WorkerSettings = Required<Omit<JobWorkerOptions, 'retries' | 'timeoutSeconds' | 'workerId' | 'objectStore'>>;

/**
 * A `takeover worker`: takes jobs from the shared queue one at a time and runs them (training,
 * evaluation, export, loop). A running job writes a heartbeat; any worker that finds a job whose heartbeat
 * stopped (its worker was killed) fails that run in pg-boss, which queues it again (up to
 * `retries`). Results go to the shared database (versions to the policy store).
 */
export class JobWorker {
  readonly workerId: string;
  #pool: pg.Pool;
  #boss: PgBoss;
  #store: PgPolicyStore;
  #journals: OpenedJournals;
  #o: WorkerSettings;
  #reaper: NodeJS.Timeout | null = null;
  #running = new Map<string, AbortController>();

  private constructor(pool: pg.Pool, boss: PgBoss, store: PgPolicyStore, journals: OpenedJournals, workerId: string, o: WorkerSettings) {
    this.#pool = pool;
    this.#boss = boss;
    this.#store = store;
    this.#journals = journals;
    this.workerId = workerId;
    this.#o = o;
  }

  /** Connects, and starts taking jobs. */
  static async start(opts: JobWorkerOptions): Promise<JobWorker> {
    const workerId = opts.workerId ?? `worker-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`;
    const pool = openPgPool(opts.database, { max: 4, applicationName: `takeover ${workerId}`.slice(0, 63), onError: (e) => opts.log?.(`database: ${e.message}`) });
    const boss = await openPgBoss(pool, opts.database, opts, 'worker');
    const store = await PgPolicyStore.open(pool, workerId);
    const journals = await openEpisodeJournals(opts.dataDir, opts.objectStore);
    const w = new JobWorker(pool, boss, store, journals, workerId, {
      database: opts.database, dataDir: opts.dataDir, heartbeatMs: opts.heartbeatMs ?? 2000, staleMs: opts.staleMs ?? 60_000, log: opts.log ?? (() => {}),
    });
    await boss.work<Record<string, unknown>>(JOB_QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, async ([job]) => w.#run(job));
    const every = Math.max(500, Math.floor(w.#o.staleMs / 2));
    w.#reaper = setInterval(() => void w.reap().catch((e: Error) => w.#o.log(`reaper: ${e.message}`)), every);
    return w;
  }

  async #run(job: PgBoss.JobWithMetadata<Record<string, unknown>>): Promise<object> {
    const claim = await this.#pool.query<{ spec: JobSpec; server_id: string; attempts: number }>(
      `UPDATE takeover_jobs SET status = 'running', attempts = attempts + 1, worker_id = $2, started_at = now(), heartbeat_at = now(), error = NULL
       WHERE id = $1 AND status IN ('queued', 'running') AND NOT cancel_requested RETURNING spec, server_id, attempts`,
      [job.id, this.workerId],
    );
    const row = claim.rows[0];
    if (!row) return { skipped: 'cancelled or unknown' };
    const mine = [job.id, this.workerId, row.attempts];
    const ac = new AbortController();
    this.#running.set(job.id, ac);
    let progress: Record<string, unknown> | null = null;
    const beat = async () => {
      const r = await this.#pool.query<{ cancel_requested: boolean }>(
        // status = 'running': a beat still in flight when the run ends must not write its older
        // progress over the final one (it lands after the 'succeeded' update otherwise)
        "UPDATE takeover_jobs SET heartbeat_at = now(), progress = COALESCE($4, progress) WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND status = 'running' RETURNING cancel_requested",
        [...mine, progress && JSON.stringify(progress)],
      );
      // cancelled, or this run was given up as lost and another took the job
      if (!r.rows[0] || r.rows[0].cancel_requested) ac.abort();
    };
    const timer = setInterval(() => void beat().catch((e: Error) => this.#o.log(`heartbeat of ${job.id}: ${e.message}`)), this.#o.heartbeatMs);
    this.#o.log(`job ${job.id} (${row.spec.kind}) attempt ${row.attempts}: started`);
    try {
      const out = await runJob(row.spec, {
        jobId: job.id, serverId: row.server_id, dataDir: this.#o.dataDir, journals: this.#journals.journals, pool: this.#pool, store: this.#store, signal: ac.signal,
        onProgress: (p) => (progress = p),
      });
      await this.#pool.query(
        `UPDATE takeover_jobs SET status = 'succeeded', version = $4, result = $5, progress = COALESCE($6, progress), finished_at = now()
         WHERE id = $1 AND worker_id = $2 AND attempts = $3`,
        [...mine, out.version, JSON.stringify(out.result), progress && JSON.stringify(progress)],
      );
      this.#o.log(`job ${job.id}: succeeded${out.version ? `, version ${out.version}` : ''}`);
      return out.result;
    } catch (err) {
      const message = (err as Error).message;
      if (ac.signal.aborted) {
        const c = await this.#pool.query("UPDATE takeover_jobs SET status = 'cancelled', finished_at = now() WHERE id = $1 AND worker_id = $2 AND attempts = $3 AND cancel_requested", mine);
        if (c.rowCount) {
          this.#o.log(`job ${job.id}: cancelled`);
          return { cancelled: true };
        }
        // not cancelled: this worker is stopping, or its run was given up as lost; the queue runs it again
      }
      const last = job.retryCount >= job.retryLimit;
      await this.#pool.query(
        `UPDATE takeover_jobs SET status = $4, error = $5, finished_at = CASE WHEN $4 = 'failed' THEN now() ELSE NULL END WHERE id = $1 AND worker_id = $2 AND attempts = $3`,
        [...mine, last ? 'failed' : 'queued', message],
      );
      this.#o.log(`job ${job.id}: failed (${message})${last ? '' : '; retried'}`);
      throw err; // pg-boss retries it, or marks it failed after the last retry
    } finally {
      clearInterval(timer);
      this.#running.delete(job.id);
    }
  }

  /** Gives up runs whose worker stopped beating: pg-boss queues them again (or fails them after the last retry). Returns their ids. */
  async reap(): Promise<string[]> {
    const secs = this.#o.staleMs / 1000;
    const stale = await this.#pool.query<{ id: string; worker_id: string }>(
      "SELECT id, worker_id FROM takeover_jobs WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)", [secs],
    );
    const reaped: string[] = [];
    for (const { id, worker_id } of stale.rows) {
      if (this.#running.has(id)) continue;
      const message = `worker ${worker_id} lost: no heartbeat for ${secs} s`;
      const before = await this.#boss.getJobById(JOB_QUEUE, id);
      if (before?.state === 'active') await this.#boss.fail(JOB_QUEUE, id, { message });
      const after = await this.#boss.getJobById(JOB_QUEUE, id);
      const status = after?.state === 'retry' || after?.state === 'created' || after?.state === 'active' ? 'queued' : 'failed';
      const r = await this.#pool.query(
        `UPDATE takeover_jobs SET status = CASE WHEN status = 'running' THEN $2 ELSE status END, error = $3,
           finished_at = CASE WHEN $2 = 'failed' THEN now() ELSE finished_at END
         WHERE id = $1 AND status = 'running' AND heartbeat_at < now() - make_interval(secs => $4)`,
        [id, status, message, secs],
      );
      if (r.rowCount) {
        reaped.push(id);
        this.#o.log(`job ${id}: ${message}; ${status === 'queued' ? 'queued again' : 'failed (no retries left)'}`);
      }
    }
    return reaped;
  }

  /** Stops taking jobs; running ones are stopped (they are retried elsewhere once their heartbeat goes stale). */
  async stop(): Promise<void> {
    if (this.#reaper) clearInterval(this.#reaper);
    for (const ac of this.#running.values()) ac.abort();
    await this.#boss.stop({ graceful: false, wait: true });
    await this.#pool.end();
    this.#journals.close();
  }
}

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import { migratePg } from '../../database/pg-migrate.ts';
import { parseEpisodeQuery } from '../../policies/episode-query.ts';
import { isFinalStatus, JobRefusedError, type JobQueue, type JobSpec, type JobStatus, type JobView } from './job-spec.ts';

/** The pg-boss queue every takeover job goes through. */
export const JOB_QUEUE = 'takeover-jobs';

const MIGRATIONS: readonly string[] = [
  // what the API shows of a job; pg-boss keeps the queue state (who may take it, retries)
  `CREATE TABLE takeover_jobs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     spec JSONB NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
     progress JSONB,
     version TEXT,
     result JSONB,
     error TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     server_id TEXT NOT NULL,
     worker_id TEXT,
     cancel_requested BOOLEAN NOT NULL DEFAULT false,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     started_at TIMESTAMPTZ,
     heartbeat_at TIMESTAMPTZ,
     finished_at TIMESTAMPTZ
   );
   CREATE INDEX takeover_jobs_created ON takeover_jobs (created_at);
   CREATE INDEX takeover_jobs_running ON takeover_jobs (status, heartbeat_at);`,
];

/** Retry and expiry of queued jobs (docs/configuration.md, `jobs`). */
export interface JobQueueOptions {
  /** runs after the first one when a worker is lost or a run fails (default 2) */
  retries?: number;
  /** a run still active after this long is failed by pg-boss (default 12 h; pg-boss caps it below 24 h) */
  timeoutSeconds?: number;
}

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::bigint AS ${col}`;
export const JOB_COLUMNS = `id, kind, spec, status, progress, version, result, error, attempts, server_id, worker_id, ${ms('created_at')}, ${ms('started_at')}, ${ms('finished_at')}`;

/** A takeover_jobs row as a JobView. */
export function jobFromRow(r: Record<string, unknown>): JobView {
  return {
    id: r.id as string, kind: r.kind as string, status: r.status as JobStatus, spec: r.spec,
    progress: (r.progress ?? null) as JobView['progress'], version: (r.version ?? null) as string | null,
    result: (r.result ?? null) as JobView['result'], error: (r.error ?? null) as string | null, attempts: Number(r.attempts),
    serverId: r.server_id as string, runner: (r.worker_id ?? null) as string | null,
    createdAt: Number(r.created_at), startedAt: r.started_at === null ? null : Number(r.started_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

/** Creates the job tables, pg-boss's schema and the queue (idempotent; servers and workers both call it). */
export async function openPgBoss(pool: pg.Pool, url: string, { retries = 2, timeoutSeconds = 12 * 3600 }: JobQueueOptions, role: 'server' | 'worker'): Promise<PgBoss> {
  await migratePg(pool, 'jobs', MIGRATIONS);
  const boss = new PgBoss({
    connectionString: url, max: 2, application_name: `takeover ${role} jobs`,
    // servers only send and cancel; workers also run pg-boss's maintenance (expiry, archive)
    supervise: role === 'worker', schedule: false,
  });
  boss.on('error', () => {}); // a lost connection is retried by pg-boss; the caller's calls report their own errors
  await boss.start();
  await boss.createQueue(JOB_QUEUE, { name: JOB_QUEUE, retryLimit: retries, expireInSeconds: Math.min(timeoutSeconds, 23 * 3600), retryDelay: 0 }).catch(async (err: unknown) => {
    // two processes creating it at once: the other won
    if (!(await boss.getQueue(JOB_QUEUE))) throw err;
  });
  return boss;
}

/**
 * Jobs on the shared queue (pg-boss on PostgreSQL): a server submits, lists and cancels; any
 * `takeover worker` runs them (server/jobs/job-worker.ts). The row in takeover_jobs carries what
 * the API shows: status, progress, the version made, the error.
 */
export class PgJobQueue implements JobQueue {
  readonly runner = 'queue' as const;
  #pool: pg.Pool;
  #boss: PgBoss;
  #serverId: string;
  #retries: number;

  private constructor(pool: pg.Pool, boss: PgBoss, serverId: string, retries: number) {
    this.#pool = pool;
    this.#boss = boss;
    this.#serverId = serverId;
    this.#retries = retries;
  }

  /** Opens the queue for a server (the database URL: pg-boss keeps its own connections). */
  static async open(pool: pg.Pool, url: string, serverId: string, opts: JobQueueOptions = {}): Promise<PgJobQueue> {
    const boss = await openPgBoss(pool, url, opts, 'server');
    return new PgJobQueue(pool, boss, serverId, opts.retries ?? 2);
  }

  async submit(spec: JobSpec): Promise<JobView> {
    if (spec.kind === 'export') {
      // a query that does not parse is refused now, not after a worker took the job
      try {
        parseEpisodeQuery(spec.export.episodes);
      } catch (err) {
        throw new JobRefusedError(`export: ${(err as Error).message}`);
      }
    }
    const id = randomUUID();
    const client = await this.#pool.connect();
    try {
      // the row and the queue entry together: a worker never takes a job the API does not know
      await client.query('BEGIN');
      await client.query('INSERT INTO takeover_jobs (id, kind, spec, status, server_id) VALUES ($1, $2, $3, $4, $5)', [id, spec.kind, JSON.stringify(spec), 'queued', this.#serverId]);
      await this.#boss.send(JOB_QUEUE, { kind: spec.kind }, { id, retryLimit: this.#retries, db: { executeSql: (text, values) => client.query(text, values) } });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    return (await this.get(id))!;
  }

  async get(id: string): Promise<JobView | null> {
    const r = await this.#pool.query(`SELECT ${JOB_COLUMNS} FROM takeover_jobs WHERE id = $1`, [id]);
    return r.rows[0] ? jobFromRow(r.rows[0]) : null;
  }

  async list(limit = 100): Promise<JobView[]> {
    const r = await this.#pool.query(`SELECT ${JOB_COLUMNS} FROM takeover_jobs ORDER BY created_at DESC, id LIMIT $1`, [limit]);
    return r.rows.map(jobFromRow);
  }

  async cancel(id: string): Promise<JobView | null> {
    const job = await this.get(id);
    if (!job || isFinalStatus(job.status)) return job;
    // a queued job is withdrawn here; a running one stops at its worker's next heartbeat
    await this.#pool.query(
      `UPDATE takeover_jobs SET cancel_requested = true,
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
       WHERE id = $1`, [id],
    );
    await this.#boss.cancel(JOB_QUEUE, id);
    return this.get(id);
  }

  async close(): Promise<void> {
    await this.#boss.stop({ graceful: false, wait: true });
  }
}

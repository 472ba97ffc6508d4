import type pg from 'pg';
import { migratePg } from '../../database/pg-migrate.ts';
import { isTransientPgError } from '../../database/pg-pool.ts';
import { auditRecord, type AuditRecord } from './audit-record.ts';
import type { AuditFilter } from './audit-query.ts';
import type { AuditScope, AuditStore } from './audit-store.ts';

/** The audit log's migrations (append-only): one row per record, the record itself as JSON. */
export const PG_AUDIT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE audit_log (
     id BIGSERIAL PRIMARY KEY,
     server_id TEXT NOT NULL,
     t TIMESTAMPTZ NOT NULL,
     type TEXT NOT NULL,
     actor TEXT,
     robot TEXT,
     record JSONB NOT NULL
   );
   CREATE INDEX audit_log_server ON audit_log (server_id, t);
   CREATE INDEX audit_log_t ON audit_log (t);`,
];

export interface PgAuditLogOptions {
  serverId: string;
  /** where a batch goes that the database refused: nothing recorded is lost (`<dataDir>/audit.log`) */
  fallback: AuditStore;
  /** records waiting for the database; past it new ones are counted and dropped (an audit_overflow record says how many) */
  maxQueued?: number;
  /** a failed write (the batch then went to the fallback) */
  onError?: (err: Error) => void;
  /** wait before the one retry of a write that failed for a passing reason, ms (default 500) */
  retryDelayMs?: number;
}

/**
 * The audit log in the shared database's `audit_log` table, each row stamped with its server's
 * id. Like the file log, `record()` only queues and a single writer inserts the queue in batches
 * (one statement per batch). A batch the database refuses (after one retry when the failure may
 * pass) is appended to the fallback file instead and reported, so a database outage loses no record.
 */
export class PgAuditLog implements AuditStore {
  readonly #pool: pg.Pool;
  readonly #o: Required<PgAuditLogOptions>;
  #queue: AuditRecord[] = [];
  #dropped = 0;
  #writing: Promise<void> | null = null;

  private constructor(pool: pg.Pool, o: PgAuditLogOptions) {
    this.#pool = pool;
    this.#o = { maxQueued: 10_000, onError: () => {}, retryDelayMs: 500, ...o };
  }

  /** Migrates the table (under the shared migration lock) and returns the log of this server. */
  static async open(pool: pg.Pool, o: PgAuditLogOptions): Promise<PgAuditLog> {
    await migratePg(pool, 'audit', PG_AUDIT_MIGRATIONS);
    return new PgAuditLog(pool, o);
  }

  record(r: AuditRecord): void {
    if (this.#queue.length >= this.#o.maxQueued) this.#dropped++;
    else this.#queue.push(r);
    this.#writing ??= this.#drain();
  }

  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** The newest matching records of this server (`scope: 'server'`) or of every server, each with its `serverId`. */
  async query(f: AuditFilter, scope: AuditScope): Promise<AuditRecord[]> {
    await this.flush();
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (scope === 'server') add('server_id = ?', this.#o.serverId);
    if (f.sinceMs !== undefined) add('t >= to_timestamp(?::float8 / 1000)', f.sinceMs);
    if (f.untilMs !== undefined) add('t < to_timestamp(?::float8 / 1000)', f.untilMs);
    if (f.actor !== undefined) add('actor = ?', f.actor);
    if (f.robot !== undefined) add('robot = ?', f.robot);
    if (f.type !== undefined) add('type = ?', f.type);
    args.push(f.limit);
    const r = await this.#pool.query<{ server_id: string; record: AuditRecord }>(
      `SELECT server_id, record FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY t DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    return r.rows.map((row) => ({ ...row.record, serverId: row.server_id }));
  }

  async #drain(): Promise<void> {
    // let the records of the same turn of the event loop join the batch
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.#queue.length > 0 || this.#dropped > 0) {
        const batch = this.#queue;
        this.#queue = [];
        if (this.#dropped > 0) {
          batch.push(auditRecord('audit_overflow', null, { dropped: this.#dropped }));
          this.#dropped = 0;
        }
        await this.#write(batch);
      }
    } finally {
      this.#writing = null;
    }
  }

  async #write(batch: AuditRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#pool.query(
          `INSERT INTO audit_log (server_id, t, type, actor, robot, record)
           SELECT $1, (r->>'t')::timestamptz, r->>'type', r->>'actor', r->>'robot', r FROM jsonb_array_elements($2::jsonb) AS r`,
          [this.#o.serverId, JSON.stringify(batch)],
        );
        return;
      } catch (err) {
        if (attempt === 0 && isTransientPgError(err)) {
          await new Promise((r) => setTimeout(r, this.#o.retryDelayMs));
          continue;
        }
        this.#o.onError(new Error(`audit log: the database refused ${batch.length} record(s), kept in the local audit file instead: ${(err as Error).message}`, { cause: err }));
        for (const r of batch) this.#o.fallback.record(r);
        await this.#o.fallback.flush();
        return;
      }
    }
  }
}

import type pg from 'pg';
import { migratePg } from '../database/pg-migrate.ts';
import { isTransientPgError } from '../database/pg-pool.ts';
import { CatalogBusyError, type EpisodeFinish, type EpisodePatch, type EpisodeQuery, type EpisodeRow, type EpisodeStatus, type EpisodeUpload, type NewEpisode, type ServerCatalog } from './catalog.ts';

/**
 * The catalog's migrations in PostgreSQL's dialect: the same tables, columns, checks and indexes,
 * version for version, as recordings/sqlite-catalog.ts (BIGINT where SQLite's INTEGER is 64-bit).
 */
export const PG_CATALOG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE episodes (
     id TEXT PRIMARY KEY,
     robot_id TEXT NOT NULL,
     task TEXT NOT NULL,
     seed BIGINT NOT NULL,
     policy_version TEXT,
     kind TEXT NOT NULL CHECK (kind IN ('policy', 'demo')),
     operators TEXT NOT NULL DEFAULT '[]',
     started_at BIGINT NOT NULL,
     ended_at BIGINT,
     outcome TEXT,
     steps INTEGER NOT NULL DEFAULT 0,
     intervention_count INTEGER NOT NULL DEFAULT 0,
     intervention_steps INTEGER NOT NULL DEFAULT 0,
     intervention_onsets TEXT NOT NULL DEFAULT '[]',
     dropped_steps INTEGER NOT NULL DEFAULT 0,
     bytes BIGINT NOT NULL DEFAULT 0,
     file TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'recovered', 'quarantined')),
     notes TEXT NOT NULL DEFAULT '',
     tags TEXT NOT NULL DEFAULT '[]'
   );
   CREATE INDEX episodes_robot ON episodes (robot_id, started_at);
   CREATE INDEX episodes_task ON episodes (task, started_at);
   CREATE INDEX episodes_policy ON episodes (policy_version, started_at);
   CREATE INDEX episodes_started ON episodes (started_at);
   CREATE INDEX episodes_status ON episodes (status);`,
  `ALTER TABLE episodes ADD COLUMN server_id TEXT NOT NULL DEFAULT '';
   CREATE INDEX episodes_server ON episodes (server_id, started_at);`,
  `ALTER TABLE episodes ADD COLUMN storage_key TEXT;
   ALTER TABLE episodes ADD COLUMN uploaded_at BIGINT;
   ALTER TABLE episodes ADD COLUMN sha256 TEXT;
   CREATE INDEX episodes_upload ON episodes (server_id, uploaded_at, started_at);`,
];

const COLUMNS = [
  'id', 'server_id', 'robot_id', 'task', 'seed', 'policy_version', 'kind', 'operators', 'started_at', 'ended_at', 'outcome', 'steps',
  'intervention_count', 'intervention_steps', 'intervention_onsets', 'dropped_steps', 'bytes', 'file', 'status', 'notes', 'tags',
] as const;

/** A row as read: the columns insert and upsert write, plus the upload columns only markUploaded writes. */
type Row = Record<(typeof COLUMNS)[number] | 'storage_key' | 'uploaded_at' | 'sha256', unknown>;

function fromRow(r: Row): EpisodeRow {
  return {
    id: r.id as string,
    serverId: r.server_id as string,
    robotId: r.robot_id as string,
    task: r.task as string,
    seed: r.seed as number,
    policyVersion: r.policy_version as string | null,
    kind: r.kind as EpisodeRow['kind'],
    operators: JSON.parse(r.operators as string) as string[],
    startedAt: r.started_at as number,
    endedAt: r.ended_at as number | null,
    outcome: r.outcome as EpisodeRow['outcome'],
    steps: r.steps as number,
    interventionCount: r.intervention_count as number,
    interventionSteps: r.intervention_steps as number,
    interventionOnsets: JSON.parse(r.intervention_onsets as string) as number[],
    droppedSteps: r.dropped_steps as number,
    bytes: r.bytes as number,
    file: r.file as string,
    status: r.status as EpisodeStatus,
    notes: r.notes as string,
    tags: JSON.parse(r.tags as string) as string[],
    ...(r.storage_key != null && { storageKey: r.storage_key as string, uploadedAt: Number(r.uploaded_at), sha256: r.sha256 as string }),
  };
}

function values(e: EpisodeRow): unknown[] {
  return [
    e.id, e.serverId, e.robotId, e.task, e.seed, e.policyVersion, e.kind, JSON.stringify(e.operators), e.startedAt, e.endedAt, e.outcome, e.steps,
    e.interventionCount, e.interventionSteps, JSON.stringify(e.interventionOnsets), e.droppedSteps, e.bytes, e.file, e.status, e.notes, JSON.stringify(e.tags),
  ];
}

const PLACEHOLDERS = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');

export interface PgCatalogOptions {
  /** the server whose catalog this is: stamped on the rows it writes; list's default scope */
  serverId: string;
}

/**
 * The catalog in PostgreSQL, shared by several servers (docs/deployment.md). Same rows and
 * queries as SqliteCatalog; every row carries the server that recorded it, and `list` shows this
 * server's rows unless asked for `scope: 'fleet'` (or another `serverId`). A database that is
 * unreachable or busy for a moment surfaces as CatalogBusyError, so the write queue retries.
 */
export class PgCatalog implements ServerCatalog {
  readonly serverId: string;
  readonly shared = true;
  #pool: pg.Pool;
  #ownsPool: boolean;

  private constructor(pool: pg.Pool, serverId: string, ownsPool: boolean) {
    this.#pool = pool;
    this.serverId = serverId;
    this.#ownsPool = ownsPool;
  }

  /** Migrates the database's catalog tables and returns the catalog; `ownsPool`: close() ends the pool too. */
  static async open(pool: pg.Pool, { serverId }: PgCatalogOptions, ownsPool = false): Promise<PgCatalog> {
    if (!serverId) throw new Error('PgCatalog: a shared catalog needs the server id of the rows it writes');
    await migratePg(pool, 'catalog', PG_CATALOG_MIGRATIONS);
    return new PgCatalog(pool, serverId, ownsPool);
  }

  async #q<R extends pg.QueryResultRow = Row>(op: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(text, params);
    } catch (err) {
      if (isTransientPgError(err)) throw new CatalogBusyError(`PgCatalog#${op}: the database is unreachable or busy (${(err as Error).message})`, { cause: err });
      throw err;
    }
  }

  async insert(e: NewEpisode): Promise<void> {
    const row: EpisodeRow = {
      ...e, serverId: this.serverId, operators: [], endedAt: null, outcome: null, steps: 0, interventionCount: 0, interventionSteps: 0,
      interventionOnsets: [], droppedSteps: 0, bytes: 0, status: 'recording', notes: '', tags: [],
    };
    try {
      await this.#q('insert', `INSERT INTO episodes (${COLUMNS.join(', ')}) VALUES (${PLACEHOLDERS})`, values(row));
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new Error(`PgCatalog#insert: episode '${e.id}' already exists`);
      throw err;
    }
  }

  async upsert(e: EpisodeRow): Promise<void> {
    const sets = COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = EXCLUDED.${c}`).join(', ');
    await this.#q('upsert', `INSERT INTO episodes (${COLUMNS.join(', ')}) VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO UPDATE SET ${sets}`, values({ ...e, serverId: this.serverId }));
  }

  async finish(id: string, f: EpisodeFinish): Promise<void> {
    const r = await this.#q(
      'finish',
      `UPDATE episodes SET ended_at = $2, outcome = $3, steps = $4, intervention_count = $5, intervention_steps = $6, intervention_onsets = $7,
         operators = $8, dropped_steps = $9, bytes = $10, status = $11 WHERE id = $1`,
      [id, f.endedAt, f.outcome, f.steps, f.interventionCount, f.interventionSteps, JSON.stringify(f.interventionOnsets), JSON.stringify(f.operators), f.droppedSteps, f.bytes, f.status],
    );
    if (r.rowCount === 0) throw new Error(`PgCatalog#finish: no episode '${id}'`);
  }

  async get(id: string): Promise<EpisodeRow | null> {
    const r = await this.#q('get', 'SELECT * FROM episodes WHERE id = $1', [id]);
    return r.rows[0] ? fromRow(r.rows[0]) : null;
  }

  /** The highest seed recorded per robot of this server. */
  async highestSeeds(): Promise<Map<string, number>> {
    const r = await this.#q<{ robot: string; seed: number }>('highestSeeds', 'SELECT robot_id AS robot, MAX(seed) AS seed FROM episodes WHERE server_id = $1 GROUP BY robot_id', [this.serverId]);
    return new Map(r.rows.map((x) => [x.robot, x.seed]));
  }

  async markUploaded(id: string, u: EpisodeUpload): Promise<void> {
    const r = await this.#q('markUploaded', 'UPDATE episodes SET storage_key = $2, sha256 = $3, uploaded_at = $4 WHERE id = $1', [id, u.storageKey, u.sha256, u.uploadedAt]);
    if (r.rowCount === 0) throw new Error(`PgCatalog#markUploaded: no episode '${id}'`);
  }

  /** This server's finished episodes not yet uploaded (the journals are on this server's disk). */
  async pendingUploads(limit: number): Promise<string[]> {
    const r = await this.#q<{ id: string }>(
      'pendingUploads',
      "SELECT id FROM episodes WHERE server_id = $1 AND uploaded_at IS NULL AND status IN ('complete', 'recovered') ORDER BY started_at, id LIMIT $2",
      [this.serverId, limit],
    );
    return r.rows.map((x) => x.id);
  }

  async list(q: EpisodeQuery): Promise<{ items: EpisodeRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const $ = (v: unknown) => (params.push(v), `$${params.length}`);
    const eq = (col: string, v: unknown) => {
      if (v !== undefined) where.push(`${col} = ${$(v)}`);
    };
    eq('robot_id', q.robotId);
    eq('task', q.task);
    eq('policy_version', q.policyVersion);
    eq('outcome', q.outcome);
    eq('kind', q.kind);
    eq('status', q.status);
    eq('server_id', q.serverId ?? (q.scope === 'fleet' ? undefined : this.serverId));
    if (q.tag !== undefined) where.push(`EXISTS (SELECT 1 FROM json_array_elements_text(episodes.tags::json) AS t(value) WHERE t.value = ${$(q.tag)})`);
    if (q.from !== undefined) where.push(`started_at >= ${$(q.from)}`);
    if (q.to !== undefined) where.push(`started_at < ${$(q.to)}`);
    if (q.hasInterventions !== undefined) where.push(q.hasInterventions ? 'intervention_count > 0' : 'intervention_count = 0');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (await this.#q<{ n: number }>('list', `SELECT COUNT(*) AS n FROM episodes ${clause}`, params)).rows[0].n;
    const page = [...params, q.limit ?? 50, q.offset ?? 0];
    const rows = await this.#q('list', `SELECT * FROM episodes ${clause} ORDER BY started_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, page);
    return { items: rows.rows.map(fromRow), total };
  }

  async patch(id: string, patch: EpisodePatch): Promise<EpisodeRow | null> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const $ = (v: unknown) => (params.push(v), `$${params.length}`);
    if (patch.outcome !== undefined) sets.push(`outcome = ${$(patch.outcome)}`);
    if (patch.notes !== undefined) sets.push(`notes = ${$(patch.notes)}`);
    if (patch.tags !== undefined) sets.push(`tags = ${$(JSON.stringify([...new Set(patch.tags)]))}`);
    if (sets.length) await this.#q('patch', `UPDATE episodes SET ${sets.join(', ')} WHERE id = $1`, params);
    return this.get(id);
  }

  async setStatus(id: string, status: EpisodeStatus): Promise<void> {
    await this.#q('setStatus', 'UPDATE episodes SET status = $2 WHERE id = $1', [id, status]);
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.#q('delete', 'DELETE FROM episodes WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }
}

import Database from 'better-sqlite3';
import { CatalogBusyError, isCatalogBusy, type ServerCatalog, type EpisodeFinish, type EpisodePatch, type EpisodeQuery, type EpisodeRow, type EpisodeStatus, type EpisodeUpload, type NewEpisode } from './catalog.ts';

/**
 * How long a statement waits for another connection's lock, ms. better-sqlite3 waits on the
 * calling thread, which in the server is the only one (control loops, WebSockets, REST), so
 * the wait stays this short and a locked catalog surfaces as CatalogBusyError at once.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 2;

export interface SqliteCatalogOptions {
  /** lock wait on the calling thread, ms (default DEFAULT_BUSY_TIMEOUT_MS; a command-line tool may wait longer) */
  busyTimeoutMs?: number;
  /** the server whose catalog this is: stamped on the rows it writes, and given to rows written without one (default '': a tool that does not know it) */
  serverId?: string;
}

/** Numbered schema migrations; `PRAGMA user_version` holds how many have run. Append only. */
const MIGRATIONS: string[] = [
  `CREATE TABLE episodes (
     id TEXT PRIMARY KEY,
     robot_id TEXT NOT NULL,
     task TEXT NOT NULL,
     seed INTEGER NOT NULL,
     policy_version TEXT,
     kind TEXT NOT NULL CHECK (kind IN ('policy', 'demo')),
     operators TEXT NOT NULL DEFAULT '[]',
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     outcome TEXT,
     steps INTEGER NOT NULL DEFAULT 0,
     intervention_count INTEGER NOT NULL DEFAULT 0,
     intervention_steps INTEGER NOT NULL DEFAULT 0,
     intervention_onsets TEXT NOT NULL DEFAULT '[]',
     dropped_steps INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0,
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
  // the server that recorded each episode (a shared PostgreSQL catalog holds several servers')
  `ALTER TABLE episodes ADD COLUMN server_id TEXT NOT NULL DEFAULT '';
   CREATE INDEX episodes_server ON episodes (server_id, started_at);`,
  // the journal's verified copy in object storage (NULL: not uploaded)
  `ALTER TABLE episodes ADD COLUMN storage_key TEXT;
   ALTER TABLE episodes ADD COLUMN uploaded_at INTEGER;
   ALTER TABLE episodes ADD COLUMN sha256 TEXT;
   CREATE INDEX episodes_upload ON episodes (uploaded_at, started_at);`,
];

interface Row {
  id: string;
  server_id: string;
  robot_id: string;
  task: string;
  seed: number;
  policy_version: string | null;
  kind: 'policy' | 'demo';
  operators: string;
  started_at: number;
  ended_at: number | null;
  outcome: EpisodeRow['outcome'];
  steps: number;
  intervention_count: number;
  intervention_steps: number;
  intervention_onsets: string;
  dropped_steps: number;
  bytes: number;
  file: string;
  status: EpisodeStatus;
  notes: string;
  tags: string;
}

/** The upload columns, kept apart from Row: insert and upsert never write them (recorded by markUploaded alone). */
interface UploadColumns {
  storage_key: string | null;
  uploaded_at: number | null;
  sha256: string | null;
}

function fromRow(r: Row & Partial<UploadColumns>): EpisodeRow {
  return {
    id: r.id,
    serverId: r.server_id,
    robotId: r.robot_id,
    task: r.task,
    seed: r.seed,
    policyVersion: r.policy_version,
    kind: r.kind,
    operators: JSON.parse(r.operators) as string[],
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    steps: r.steps,
    interventionCount: r.intervention_count,
    interventionSteps: r.intervention_steps,
    interventionOnsets: JSON.parse(r.intervention_onsets) as number[],
    droppedSteps: r.dropped_steps,
    bytes: r.bytes,
    file: r.file,
    status: r.status,
    notes: r.notes,
    tags: JSON.parse(r.tags) as string[],
    ...(r.storage_key != null && { storageKey: r.storage_key, uploadedAt: r.uploaded_at ?? 0, sha256: r.sha256 ?? '' }),
  };
}

function toParams(e: EpisodeRow): Row {
  return {
    id: e.id,
    server_id: e.serverId,
    robot_id: e.robotId,
    task: e.task,
    seed: e.seed,
    policy_version: e.policyVersion,
    kind: e.kind,
    operators: JSON.stringify(e.operators),
    started_at: e.startedAt,
    ended_at: e.endedAt,
    outcome: e.outcome,
    steps: e.steps,
    intervention_count: e.interventionCount,
    intervention_steps: e.interventionSteps,
    intervention_onsets: JSON.stringify(e.interventionOnsets),
    dropped_steps: e.droppedSteps,
    bytes: e.bytes,
    file: e.file,
    status: e.status,
    notes: e.notes,
    tags: JSON.stringify(e.tags),
  };
}

const COLUMNS = Object.keys(toParams({} as EpisodeRow));

/** Runs a statement; a lock held elsewhere becomes CatalogBusyError (callers retry or answer 503). */
function run<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isCatalogBusy(err)) throw new CatalogBusyError(`SqliteCatalog#${op}: the catalog is locked by another connection (${(err as { code?: string }).code})`, { cause: err });
    throw err;
  }
}

/**
 * The catalog in one SQLite file (better-sqlite3 12, WAL: readers are not blocked by a
 * writer). Statements wait for a lock at most `busyTimeoutMs`, then throw CatalogBusyError.
 */
export class SqliteCatalog implements ServerCatalog {
  #db: Database.Database;
  readonly serverId: string;
  /** one file, one server: list's scope has nothing to narrow */
  readonly shared = false;

  /** Opens (creating if needed) and migrates the catalog at `path` (':memory:' for tests). */
  constructor(path: string, { busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS, serverId = '' }: SqliteCatalogOptions = {}) {
    this.serverId = serverId;
    // better-sqlite3's `timeout` is SQLite's busy timeout (its default, 5000, is what stalled the server).
    this.#db = new Database(path, { timeout: busyTimeoutMs });
    try {
      run('open', () => {
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma('synchronous = NORMAL');
        this.#migrate();
        // rows written before server ids (or by a tool that did not know it) belong to this file's server
        if (serverId) this.#db.prepare("UPDATE episodes SET server_id = ? WHERE server_id = ''").run(serverId);
      });
    } catch (err) {
      this.#db.close();
      throw err;
    }
  }

  /** Schema version after migrations. */
  get version(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  #migrate(): void {
    const have = this.version;
    if (have > MIGRATIONS.length) throw new Error(`SqliteCatalog: database is at schema ${have}, this build knows ${MIGRATIONS.length}; upgrade takeover`);
    for (let v = have; v < MIGRATIONS.length; v++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[v]);
        this.#db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async insert(e: NewEpisode): Promise<void> {
    const row: EpisodeRow = {
      ...e,
      serverId: this.serverId,
      operators: [],
      endedAt: null,
      outcome: null,
      steps: 0,
      interventionCount: 0,
      interventionSteps: 0,
      interventionOnsets: [],
      droppedSteps: 0,
      bytes: 0,
      status: 'recording',
      notes: '',
      tags: [],
    };
    try {
      run('insert', () => this.#db.prepare(`INSERT INTO episodes (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`).run(toParams(row)));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new Error(`SqliteCatalog#insert: episode '${e.id}' already exists`);
      throw err;
    }
  }

  async upsert(e: EpisodeRow): Promise<void> {
    run('upsert', () => this.#db.prepare(`INSERT OR REPLACE INTO episodes (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')})`).run(toParams({ ...e, serverId: this.serverId })));
  }

  async finish(id: string, f: EpisodeFinish): Promise<void> {
    const info = run('finish', () => this.#db
      .prepare(
        `UPDATE episodes SET ended_at = @ended_at, outcome = @outcome, steps = @steps, intervention_count = @intervention_count,
           intervention_steps = @intervention_steps, intervention_onsets = @intervention_onsets, operators = @operators,
           dropped_steps = @dropped_steps, bytes = @bytes, status = @status WHERE id = @id`,
      )
      .run({
        id,
        ended_at: f.endedAt,
        outcome: f.outcome,
        steps: f.steps,
        intervention_count: f.interventionCount,
        intervention_steps: f.interventionSteps,
        intervention_onsets: JSON.stringify(f.interventionOnsets),
        operators: JSON.stringify(f.operators),
        dropped_steps: f.droppedSteps,
        bytes: f.bytes,
        status: f.status,
      }));
    if (info.changes === 0) throw new Error(`SqliteCatalog#finish: no episode '${id}'`);
  }

  async get(id: string): Promise<EpisodeRow | null> {
    const r = run('get', () => this.#db.prepare('SELECT * FROM episodes WHERE id = ?').get(id) as Row | undefined);
    return r ? fromRow(r) : null;
  }

  /** The highest seed recorded per robot (a restarted robot continues after it instead of repeating scenes). */
  async highestSeeds(): Promise<Map<string, number>> {
    const rows = run('highestSeeds', () => this.#db.prepare('SELECT robot_id AS robot, MAX(seed) AS seed FROM episodes GROUP BY robot_id').all() as { robot: string; seed: number }[]);
    return new Map(rows.map((r) => [r.robot, r.seed]));
  }

  async markUploaded(id: string, u: EpisodeUpload): Promise<void> {
    const info = run('markUploaded', () => this.#db.prepare('UPDATE episodes SET storage_key = ?, sha256 = ?, uploaded_at = ? WHERE id = ?').run(u.storageKey, u.sha256, u.uploadedAt, id));
    if (info.changes === 0) throw new Error(`SqliteCatalog#markUploaded: no episode '${id}'`);
  }

  async pendingUploads(limit: number): Promise<string[]> {
    const rows = run('pendingUploads', () =>
      this.#db.prepare("SELECT id FROM episodes WHERE uploaded_at IS NULL AND status IN ('complete', 'recovered') ORDER BY started_at, id LIMIT ?").all(limit) as { id: string }[]);
    return rows.map((r) => r.id);
  }

  async list(q: EpisodeQuery): Promise<{ items: EpisodeRow[]; total: number }> {
    const where: string[] = [];
    const p: Record<string, unknown> = {};
    const eq = (col: string, key: keyof EpisodeQuery) => {
      if (q[key] !== undefined) {
        where.push(`${col} = @${key}`);
        p[key] = q[key];
      }
    };
    eq('robot_id', 'robotId');
    eq('task', 'task');
    eq('policy_version', 'policyVersion');
    eq('outcome', 'outcome');
    eq('kind', 'kind');
    eq('status', 'status');
    eq('server_id', 'serverId');
    if (q.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(episodes.tags) WHERE value = @tag)');
      p.tag = q.tag;
    }
    if (q.from !== undefined) {
      where.push('started_at >= @from');
      p.from = q.from;
    }
    if (q.to !== undefined) {
      where.push('started_at < @to');
      p.to = q.to;
    }
    if (q.hasInterventions !== undefined) where.push(q.hasInterventions ? 'intervention_count > 0' : 'intervention_count = 0');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = run('list', () => (this.#db.prepare(`SELECT COUNT(*) AS n FROM episodes ${clause}`).get(p) as { n: number }).n);
    const rows = run('list', () =>
      this.#db.prepare(`SELECT * FROM episodes ${clause} ORDER BY started_at DESC, id LIMIT @limit OFFSET @offset`).all({ ...p, limit: q.limit ?? 50, offset: q.offset ?? 0 }) as Row[],
    );
    return { items: rows.map(fromRow), total };
  }

  async patch(id: string, patch: EpisodePatch): Promise<EpisodeRow | null> {
    const sets: string[] = [];
    const p: Record<string, unknown> = { id };
    if (patch.outcome !== undefined) (sets.push('outcome = @outcome'), (p.outcome = patch.outcome));
    if (patch.notes !== undefined) (sets.push('notes = @notes'), (p.notes = patch.notes));
    if (patch.tags !== undefined) (sets.push('tags = @tags'), (p.tags = JSON.stringify([...new Set(patch.tags)])));
    if (sets.length) run('patch', () => this.#db.prepare(`UPDATE episodes SET ${sets.join(', ')} WHERE id = @id`).run(p));
    return this.get(id);
  }

  async setStatus(id: string, status: EpisodeStatus): Promise<void> {
    run('setStatus', () => this.#db.prepare('UPDATE episodes SET status = ? WHERE id = ?').run(status, id));
  }

  async delete(id: string): Promise<boolean> {
    return run('delete', () => this.#db.prepare('DELETE FROM episodes WHERE id = ?').run(id).changes > 0);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

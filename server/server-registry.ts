import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { migratePg } from '../database/pg-migrate.ts';
import { serverState, type FleetRobot, type FleetServer } from './fleet-snapshot.ts';

/** The server registry's migrations (append-only): one row per server id, rewritten by each heartbeat. */
export const SERVER_REGISTRY_MIGRATIONS: readonly string[] = [
  `CREATE TABLE servers (
     id TEXT PRIMARY KEY,
     instance TEXT NOT NULL,
     url TEXT NOT NULL,
     host TEXT NOT NULL,
     port INTEGER NOT NULL,
     version TEXT NOT NULL,
     heartbeat_ms INTEGER NOT NULL,
     started_at TIMESTAMPTZ NOT NULL,
     last_heartbeat TIMESTAMPTZ NOT NULL,
     stopped_at TIMESTAMPTZ,
     robots JSONB NOT NULL DEFAULT '[]'
   );`,
];

/** Where a server listens. */
export interface ServerAddress {
  url: string;
  host: string;
  port: number;
}

/** What a server says of itself when it registers. */
export interface ServerIdentity extends ServerAddress {
  id: string;
  version: string;
  heartbeatMs: number;
}

interface Row {
  id: string; url: string; host: string; port: number; version: string; heartbeat_ms: number;
  started_at: Date; last_heartbeat: Date; stopped_at: Date | null; robots: FleetRobot[]; age_ms: number;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * This server's row in the `servers` table of a shared database, and every server's rows for the
 * fleet view. Times come from the database's clock (`now()`), so a heartbeat's age does not
 * depend on the clocks of the servers that wrote and read it. Each start is an instance of its
 * own: a clean stop marks only this instance's row stopped, never a newer one that took the id.
 */
export class ServerRegistry {
  readonly #pool: pg.Pool;
  #self: ServerIdentity;
  readonly #instance = randomUUID();
  readonly #startedAt = new Date();

  private constructor(pool: pg.Pool, self: ServerIdentity) {
    this.#pool = pool;
    this.#self = self;
  }

  /** Migrates the registry table (under the shared migration lock) and returns the registry of this server. */
  static async open(pool: pg.Pool, self: ServerIdentity): Promise<ServerRegistry> {
    await migratePg(pool, 'servers', SERVER_REGISTRY_MIGRATIONS);
    return new ServerRegistry(pool, self);
  }

  get id(): string {
    return this.#self.id;
  }

  /** Where the server listens, once it does (the configured port may be 0). */
  setAddress(a: ServerAddress): void {
    this.#self = { ...this.#self, ...a };
  }

  /**
   * Another running instance with this server's id (a heartbeat within three periods, not
   * stopped), or null: two servers under one id overwrite each other's row and mix their episodes.
   */
  async liveTwin(): Promise<{ url: string; heartbeatAgeMs: number } | null> {
    const r = await this.#pool.query<{ url: string; instance: string; age_ms: number; heartbeat_ms: number; stopped: boolean }>(
      `SELECT url, instance, heartbeat_ms, stopped_at IS NOT NULL AS stopped,
              (EXTRACT(EPOCH FROM (now() - last_heartbeat)) * 1000)::float8 AS age_ms
         FROM servers WHERE id = $1`,
      [this.#self.id],
    );
    const row = r.rows[0];
    if (!row || row.instance === this.#instance || serverState(row.age_ms, row.heartbeat_ms, row.stopped) !== 'up') return null;
    return { url: row.url, heartbeatAgeMs: row.age_ms };
  }

  /** Registers or refreshes this server's row: its address, version, robots, and a heartbeat now. */
  async beat(robots: FleetRobot[]): Promise<void> {
    const s = this.#self;
    await this.#pool.query(
      `INSERT INTO servers (id, instance, url, host, port, version, heartbeat_ms, started_at, last_heartbeat, stopped_at, robots)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), NULL, $9::jsonb)
       ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, url = EXCLUDED.url, host = EXCLUDED.host, port = EXCLUDED.port,
         version = EXCLUDED.version, heartbeat_ms = EXCLUDED.heartbeat_ms, started_at = EXCLUDED.started_at,
         last_heartbeat = now(), stopped_at = NULL, robots = EXCLUDED.robots`,
      [s.id, this.#instance, s.url, s.host, s.port, s.version, s.heartbeatMs, this.#startedAt, JSON.stringify(robots)],
    );
  }

  /** A clean stop: this instance's row says stopped (other servers then show it stopped, not stale). */
  async markStopped(): Promise<void> {
    await this.#pool.query('UPDATE servers SET stopped_at = now(), last_heartbeat = now() WHERE id = $1 AND instance = $2', [this.#self.id, this.#instance]);
  }

  /** Every registered server, by id, with its state derived from its heartbeat age. */
  async list(): Promise<FleetServer[]> {
    const r = await this.#pool.query<Row>(
      `SELECT id, url, host, port, version, heartbeat_ms, started_at, last_heartbeat, stopped_at, robots,
              (EXTRACT(EPOCH FROM (now() - last_heartbeat)) * 1000)::float8 AS age_ms
         FROM servers ORDER BY id`,
    );
    return r.rows.map((row) => ({
      id: row.id, url: row.url, host: row.host, port: row.port, version: row.version,
      status: serverState(row.age_ms, row.heartbeat_ms, row.stopped_at !== null),
      startedAt: iso(row.started_at)!, lastHeartbeat: iso(row.last_heartbeat)!,
      heartbeatAgeMs: Math.max(0, row.age_ms), heartbeatMs: row.heartbeat_ms,
      stoppedAt: iso(row.stopped_at),
      robots: row.robots,
    }));
  }
}

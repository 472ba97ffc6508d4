import type pg from 'pg';

/** Serializes every takeover migration across servers starting at once (any fixed key; 'tko' in ASCII). */
const MIGRATION_LOCK = 0x746b6f;

/**
 * Runs the migrations of one component (catalog, policies, audit, servers) that the database has
 * not run yet, each in its own transaction, and returns the schema version reached. The table
 * `takeover_schema` holds each component's version; an advisory lock keeps two servers starting
 * together from running the same migration twice. Migrations are append-only.
 */
export async function migratePg(pool: pg.Pool, component: string, migrations: readonly string[]): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS takeover_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
      const r = await client.query<{ version: number }>('SELECT version FROM takeover_schema WHERE component = $1', [component]);
      const have = r.rows[0]?.version ?? 0;
      if (have > migrations.length) throw new Error(`PostgreSQL: the ${component} schema is at version ${have}, this build knows ${migrations.length}; upgrade takeover`);
      for (let v = have; v < migrations.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(migrations[v]);
          await client.query(
            'INSERT INTO takeover_schema (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version',
            [component, v + 1],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`PostgreSQL: ${component} migration ${v + 1} failed: ${(err as Error).message}`, { cause: err });
        }
      }
      return migrations.length;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

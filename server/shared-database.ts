import type pg from 'pg';
import { openPgPool, redactDatabaseUrl } from '../database/pg-pool.ts';
import { TakeoverError } from './errors.ts';

/** The PostgreSQL database several servers share (docs/deployment.md). */
export interface SharedDatabase {
  pool: pg.Pool;
  /** the URL without its password */
  where: string;
  close(): Promise<void>;
}

/**
 * Connects to the shared database and checks it answers, so a wrong URL or a database that is
 * down fails the start with a message naming it (never the password) instead of later.
 */
export async function openSharedDatabase(url: string, serverId: string, onError: (err: Error) => void): Promise<SharedDatabase> {
  const where = redactDatabaseUrl(url);
  const pool = openPgPool(url, { max: 8, applicationName: `takeover ${serverId}`.slice(0, 63), onError });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new TakeoverError('TKO_ERR_CONFIG', `cannot reach the database ${where}: ${(err as Error).message}`);
  }
  let closed: Promise<void> | null = null;
  return { pool, where, close: () => (closed ??= pool.end()) };
}

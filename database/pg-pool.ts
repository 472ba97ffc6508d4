import pg from 'pg';

/** Connection codes and SQLSTATEs a later retry may cure: the server is unreachable, restarting, full, or a lock or serialization conflict. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '53300', // too many connections
  '40001', '40P01', // serialization failure, deadlock
  '55P03', // lock not available
  '08000', '08003', '08006', '08001', '08004', // connection exceptions
]);

/** True for a PostgreSQL error a retry may cure (the database is down for a moment, or busy). */
export function isTransientPgError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  const msg = (err as Error | null)?.message ?? '';
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg);
}

export interface PgPoolOptions {
  /** connections at most (default 4: a server's writes go through one queue) */
  max?: number;
  /** shown in pg_stat_activity */
  applicationName?: string;
  /** an idle connection's error (the database restarted); the pool replaces the connection */
  onError?: (err: Error) => void;
}

/** A pool whose BIGINT columns (ms timestamps, byte counts, COUNT(*)) read as numbers, not strings. */
export function openPgPool(url: string, { max = 4, applicationName = 'takeover', onError }: PgPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // without a listener an idle client's error would crash the process
  pool.on('error', (err) => onError?.(err));
  return pool;
}

/** A database URL without its password, for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a database URL that does not parse)';
  }
}

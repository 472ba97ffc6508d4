import type { AuditFilter } from './audit-query.ts';
import type { AuditRecord } from './audit-record.ts';

/** Which servers' records a query reads: this server's, or every server's in a shared database. */
export type AuditScope = 'server' | 'fleet';

/**
 * Where the audit log is kept: `<dataDir>/audit.log` (AuditLog, the default) or a table of the
 * shared database (PgAuditLog). `record()` never waits; `query()` sees everything recorded before it.
 */
export interface AuditStore {
  /** queues one record (never waits for the disk or the database) */
  record(r: AuditRecord): void;
  /** resolves when everything queued so far is written (or failed, reported through onError) */
  flush(): Promise<void>;
  /** the newest `f.limit` records matching `f`, newest first */
  query(f: AuditFilter, scope: AuditScope): Promise<AuditRecord[]>;
}

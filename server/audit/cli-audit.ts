import { openPgPool, redactDatabaseUrl } from '../../database/pg-pool.ts';
import type { AuditConfig } from '../config/config-schema.ts';
import { resolveServerId } from '../config/server-id.ts';
import { AuditLog } from './audit-log.ts';
import type { AuditStore } from './audit-store.ts';
import { PgAuditLog } from './pg-audit-log.ts';

/** What a CLI command needs of the configuration to audit its changes. */
export interface CliAuditConfig {
  dataDir: string;
  audit: AuditConfig;
  database?: string;
  serverId?: string;
}

/** An open audit store of a CLI command; `close` writes what is queued and lets go of the database. */
export interface CliAudit {
  store: AuditStore;
  /** where the records go, for messages (`postgres://host/db` without the password, or the file) */
  where: string;
  close(): Promise<void>;
}

/**
 * The audit log a CLI command (`takeover tokens`) records into, as its server would: with
 * `database` the shared `audit_log` table under the server id of this data directory (the file
 * takes a batch the database refuses), else `<dataDir>/audit.log`. A database that cannot be
 * reached leaves the file, said through `warn`: a change is never left unrecorded.
 */
export async function openCliAudit(config: CliAuditConfig, warn: (line: string) => void): Promise<CliAudit> {
  const file = new AuditLog(config.dataDir, { ...config.audit, onError: (err) => warn(`audit log write failed: ${err.message}`) });
  const fileOnly: CliAudit = { store: file, where: file.file, close: () => file.flush() };
  if (!config.database) return fileOnly;
  const where = redactDatabaseUrl(config.database);
  const pool = openPgPool(config.database, { max: 1, applicationName: 'takeover cli', onError: () => {} });
  try {
    const serverId = resolveServerId(config.serverId, config.dataDir);
    const store = await PgAuditLog.open(pool, { serverId, fallback: file, onError: (err) => warn(`audit log write to ${where} failed, written to ${file.file}: ${err.message}`) });
    return {
      store, where: `${where} (audit_log, server ${serverId})`,
      async close() {
        try {
          await store.flush();
          await file.flush();
        } finally {
          await pool.end();
        }
      },
    };
  } catch (err) {
    await pool.end().catch(() => {});
    warn(`cannot use the audit log in ${where} (${(err as Error).message}); recording to ${file.file}`);
    return fileOnly;
  }
}

import { readFile } from 'node:fs/promises';
import type { AuditRecord } from './audit-record.ts';

/** Filters of GET /api/audit; every given one must match. */
export interface AuditFilter {
  /** ms since the epoch, inclusive */
  sinceMs?: number;
  /** ms since the epoch, exclusive */
  untilMs?: number;
  actor?: string;
  robot?: string;
  type?: string;
  limit: number;
}

const matches = (r: AuditRecord, f: AuditFilter): boolean => {
  if (f.actor !== undefined && r.actor !== f.actor) return false;
  if (f.robot !== undefined && r.robot !== f.robot) return false;
  if (f.type !== undefined && r.type !== f.type) return false;
  if (f.sinceMs === undefined && f.untilMs === undefined) return true;
  const t = Date.parse(r.t);
  return (f.sinceMs === undefined || t >= f.sinceMs) && (f.untilMs === undefined || t < f.untilMs);
};

/**
 * The newest `limit` records matching `f`, newest first, read from audit.log then its rotated
 * files (newest to oldest) until enough are found. Lines that do not parse are skipped.
 */
export async function queryAudit(file: string, keepFiles: number, f: AuditFilter): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let k = 0; k <= keepFiles && out.length < f.limit; k++) {
    let text: string;
    try {
      text = await readFile(k === 0 ? file : `${file}.${k}`, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < f.limit; i--) {
      if (!lines[i]) continue;
      let r: AuditRecord;
      try {
        r = JSON.parse(lines[i]) as AuditRecord;
      } catch {
        continue;
      }
      if (matches(r, f)) out.push(r);
    }
  }
  return out;
}

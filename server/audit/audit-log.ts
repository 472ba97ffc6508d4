import { existsSync } from 'node:fs';
import { appendFile, chmod, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { auditRecord, type AuditRecord } from './audit-record.ts';
import { queryAudit, type AuditFilter } from './audit-query.ts';
import type { AuditStore } from './audit-store.ts';

/** Path of the current audit log in a data dir; rotated ones add `.1` (newest) .. `.N`. */
export const auditFile = (dataDir: string) => join(dataDir, 'audit.log');

export interface AuditLogOptions {
  /** rotate once a write would take the file past this */
  maxFileBytes: number;
  /** rotated files kept */
  keepFiles: number;
  /** records waiting for the disk; past it new ones are counted and dropped (an audit_overflow line says how many) */
  maxQueued?: number;
  onError?: (err: Error) => void;
}

/**
 * Append-only JSON-lines audit log. `record()` only queues (it never waits for the disk, so the
 * network thread that feeds it is never held up); a single writer appends the queue in batches
 * and rotates by size. Several processes may append (the CLI does): each batch is one append.
 */
export class AuditLog implements AuditStore {
  readonly file: string;
  #o: Required<AuditLogOptions>;
  #queue: string[] = [];
  #dropped = 0;
  #writing: Promise<void> | null = null;

  constructor(dataDir: string, o: AuditLogOptions) {
    this.file = auditFile(dataDir);
    this.#o = { maxQueued: 10_000, onError: () => {}, ...o };
  }

  /** Queues one record; the write happens soon after, in a batch. */
  record(r: AuditRecord): void {
    if (this.#queue.length >= this.#o.maxQueued) this.#dropped++;
    else this.#queue.push(JSON.stringify(r) + '\n');
    this.#writing ??= this.#drain();
  }

  /** Resolves when everything queued so far is on disk (or failed, reported through onError). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** The newest matching records of this file and its rotated ones; one file is one server, so the scope narrows nothing. */
  async query(f: AuditFilter): Promise<AuditRecord[]> {
    await this.flush();
    return queryAudit(this.file, this.#o.keepFiles, f);
  }

  async #drain(): Promise<void> {
    // let the records of the same turn of the event loop join the batch
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.#queue.length > 0 || this.#dropped > 0) {
        const batch = this.#queue;
        this.#queue = [];
        if (this.#dropped > 0) {
          batch.push(JSON.stringify(auditRecord('audit_overflow', null, { dropped: this.#dropped })) + '\n');
          this.#dropped = 0;
        }
        const text = batch.join('');
        await this.#rotateFor(Buffer.byteLength(text));
        await appendFile(this.file, text, { mode: 0o600 });
      }
    } catch (err) {
      this.#o.onError(err as Error);
    } finally {
      this.#writing = null;
    }
  }

  async #rotateFor(bytes: number): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return;
    }
    if (size === 0 || size + bytes <= this.#o.maxFileBytes) return;
    const { keepFiles } = this.#o;
    // drop what falls off the end, then shift audit.log.k -> .k+1 and audit.log -> .1
    for (const f of await readdir(join(this.file, '..'))) {
      const m = /^audit\.log\.(\d+)$/.exec(f);
      if (m && Number(m[1]) >= keepFiles) await rm(join(this.file, '..', f), { force: true });
    }
    for (let k = keepFiles - 1; k >= 1; k--) {
      const from = `${this.file}.${k}`;
      if (existsSync(from)) await rename(from, `${this.file}.${k + 1}`);
    }
    await rename(this.file, `${this.file}.1`);
    await chmod(`${this.file}.1`, 0o600);
  }
}

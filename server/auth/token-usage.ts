import { existsSync, readFileSync } from 'node:fs';
import { writeFile, rename, chmod } from 'node:fs/promises';
import { join } from 'node:path';

/** Path of the last-used times of tokens in a data dir. */
export const tokenUsageFile = (dataDir: string) => join(dataDir, 'tokens-used.json');

/** Last-used times by token name (ISO date-time), as stored; unreadable or missing: none. */
export function readTokenUsage(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter(([, t]) => typeof t === 'string')) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * Last-used times of tokens, kept in memory and written to their own file (never tokens.json,
 * which the CLI edits) at most once per `flushEveryMs` and on close: a request never waits for
 * a write. A crash loses at most the last interval's times.
 */
export class TokenUsage {
  readonly file: string;
  #times: Record<string, string>;
  #dirty = false;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #flushEveryMs: number;
  #onError: (err: Error) => void;

  constructor(file: string, o: { flushEveryMs?: number; onError?: (err: Error) => void } = {}) {
    this.file = file;
    this.#times = readTokenUsage(file);
    this.#flushEveryMs = o.flushEveryMs ?? 60_000;
    this.#onError = o.onError ?? (() => {});
  }

  /** Notes a use; schedules a write unless one is pending. */
  touch(name: string, atMs: number): void {
    this.#times[name] = new Date(atMs).toISOString();
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.#flushEveryMs);
    this.#timer.unref();
  }

  /** When a token was last used (ISO), if known. */
  lastUsed(name: string): string | undefined {
    return this.#times[name];
  }

  /** Writes the times if they changed. */
  flush(): Promise<void> {
    if (!this.#dirty) return this.#writing;
    this.#dirty = false;
    const text = JSON.stringify(this.#times, null, 2) + '\n';
    const tmp = `${this.file}.${process.pid}.tmp`;
    this.#writing = this.#writing
      .then(async () => {
        await writeFile(tmp, text, { mode: 0o600 });
        await chmod(tmp, 0o600);
        await rename(tmp, this.file);
      })
      .catch((err: Error) => this.#onError(err));
    return this.#writing;
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.flush();
  }
}

import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSink } from './byte-sink.ts';

/** A ByteSink appending to a new file (never overwrites: opening an existing path fails). */
export class FileSink implements ByteSink {
  #opening: Promise<FileHandle> | null;
  #position = 0n;
  readonly path: string;

  /**
   * Starts creating `path` exclusively (EEXIST rather than clobber a recording); the first
   * write waits for it and reports any error, so construction itself does no I/O wait.
   */
  constructor(path: string) {
    this.path = path;
    this.#opening = open(path, 'wx', 0o600); // journals are owner-only, like the data dir
    this.#opening.catch(() => {}); // reported by the first write or close
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#opening) throw new Error(`FileSink#write: ${this.path} is closed`);
    const fh = await this.#opening;
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done);
      done += bytesWritten;
    }
    this.#position += BigInt(bytes.byteLength);
  }

  position(): bigint {
    return this.#position;
  }

  async sync(): Promise<void> {
    if (this.#opening) await (await this.#opening).sync();
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = null;
    if (opening) await (await opening.catch(() => null))?.close();
  }
}

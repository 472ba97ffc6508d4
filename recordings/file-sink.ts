import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSink } from './byte-sink.ts';

/** A ByteSink appending to a new file (never overwrites: opening an existing path fails). */
export class FileSink implements ByteSink {
  #fh: FileHandle | null;
  #position = 0n;
  readonly path: string;

  private constructor(path: string, fh: FileHandle) {
    this.path = path;
    this.#fh = fh;
  }

  /** Creates `path` exclusively; throws EEXIST rather than clobber a recording. */
  static async create(path: string): Promise<FileSink> {
    return new FileSink(path, await open(path, 'wx'));
  }

  async write(bytes: Uint8Array): Promise<void> {
    const fh = this.#fh;
    if (!fh) throw new Error(`FileSink#write: ${this.path} is closed`);
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
    await this.#fh?.sync();
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close();
  }
}

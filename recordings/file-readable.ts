import { open, type FileHandle } from 'node:fs/promises';
import type { McapTypes } from '@mcap/core';

/** Random access over a file, for McapIndexedReader. Close it when done. */
export class FileReadable implements McapTypes.IReadable {
  #fh: FileHandle;
  #size: bigint;

  private constructor(fh: FileHandle, size: bigint) {
    this.#fh = fh;
    this.#size = size;
  }

  /** Opens `path` read-only. */
  static async open(path: string): Promise<FileReadable> {
    const fh = await open(path, 'r');
    try {
      return new FileReadable(fh, BigInt((await fh.stat()).size));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async size(): Promise<bigint> {
    return this.#size;
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (offset + size > this.#size) throw new Error(`FileReadable#read: ${offset}+${size} is past the end (${this.#size})`);
    const buf = new Uint8Array(Number(size));
    let done = 0;
    while (done < buf.byteLength) {
      const { bytesRead } = await this.#fh.read(buf, done, buf.byteLength - done, Number(offset) + done);
      if (bytesRead === 0) throw new Error(`FileReadable#read: file shrank while reading at ${Number(offset) + done}`);
      done += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.#fh.close();
  }
}

/** Random access over bytes in memory. */
export class BytesReadable implements McapTypes.IReadable {
  constructor(readonly bytes: Uint8Array) {}
  async size(): Promise<bigint> {
    return BigInt(this.bytes.byteLength);
  }
  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (offset + size > BigInt(this.bytes.byteLength)) throw new Error(`BytesReadable#read: ${offset}+${size} is past the end`);
    return this.bytes.subarray(Number(offset), Number(offset + size));
  }
}

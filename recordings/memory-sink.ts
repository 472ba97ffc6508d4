import type { ByteSink } from './byte-sink.ts';

/** A ByteSink that keeps everything in memory (tests, in-process conversions). */
export class MemorySink implements ByteSink {
  #parts: Uint8Array[] = [];
  #length = 0;
  closed = false;

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('MemorySink#write: sink is closed');
    this.#parts.push(bytes.slice());
    this.#length += bytes.byteLength;
  }

  position(): bigint {
    return BigInt(this.#length);
  }

  async sync(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Everything written so far, as one buffer. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

/**
 * Where a journal's bytes go (MCAP's IWritable plus close). The writer never touches `fs`:
 * `FileSink` is the Node part, `MemorySink` keeps bytes in memory.
 */
export interface ByteSink {
  /** Appends all of `bytes`; resolves once they are handed to the OS (or stored). */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  position(): bigint;
  /** Flushes to stable storage where that means something (fsync for files). */
  sync(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

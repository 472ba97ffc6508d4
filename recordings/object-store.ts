import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The size and SHA-256 of some bytes: what an upload must match to count as verified. */
export interface ObjectDigest {
  size: number;
  /** lower-case hex */
  sha256: string;
}

/**
 * Where finished journals go once recorded (docs/deployment.md, "Object storage"). The
 * server's is `S3ObjectStore`; any S3-compatible server (AWS S3, MinIO, a test double) is
 * a configuration of it.
 */
export interface ObjectStore {
  /** Human-readable place, for messages: `s3://bucket/prefix`. */
  readonly where: string;
  /** The key of a journal stored from `file` (a path relative to the data dir, e.g. `episodes/<id>.mcap`). */
  keyOf(file: string): string;
  /** Stores the file at `path` under `key`, its size and SHA-256 given (sent for the store to check, and kept in the object's metadata). */
  put(key: string, path: string, digest: ObjectDigest, signal?: AbortSignal): Promise<void>;
  /** Reads the stored object back and returns the size and SHA-256 of what the store holds; null if there is none. */
  digest(key: string, signal?: AbortSignal): Promise<ObjectDigest | null>;
  /** Writes the stored object into `dest` (created or replaced); returns the digest of what was written. */
  download(key: string, dest: string, signal?: AbortSignal): Promise<ObjectDigest>;
}

/** The size and SHA-256 of a file, read as a stream (journals can be large). */
export async function digestFile(path: string): Promise<ObjectDigest> {
  return digestStream(createReadStream(path));
}

/** The size and SHA-256 of everything a stream yields. */
export async function digestStream(stream: AsyncIterable<Uint8Array>): Promise<ObjectDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest('hex') };
}

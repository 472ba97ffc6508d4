import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectStoreConfig } from '../server/config/config-schema.ts';
import { digestStream, type ObjectDigest, type ObjectStore } from './object-store.ts';

const QUIET = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Journals in an S3-compatible bucket through the standard client (`@aws-sdk/client-s3`):
 * AWS S3, MinIO or any other server is a matter of `endpoint` and `forcePathStyle`.
 * Credentials come from the AWS default chain (environment, profile, instance role).
 */
export class S3ObjectStore implements ObjectStore {
  readonly where: string;
  #client: S3Client;
  #bucket: string;
  #prefix: string;

  constructor(config: ObjectStoreConfig, client?: S3Client) {
    this.#bucket = config.bucket;
    this.#prefix = config.prefix ?? '';
    this.where = `s3://${config.bucket}/${this.#prefix}`;
    this.#client = client ?? new S3Client({
      region: config.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(config.endpoint && { endpoint: config.endpoint }),
      forcePathStyle: config.forcePathStyle ?? false,
      // Checksums only where an operation requires them: many S3-compatible servers do not read the
      // chunked trailers the client would otherwise send. The SHA-256 goes in a header of its own,
      // and every upload is read back and compared before it counts (recordings/journal-uploader.ts).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // the uploader retries with its own backoff; one quick retry here covers a dropped connection
      maxAttempts: 2,
      // failures reach the uploader's own report (with the episode and the retry); the client would print them to the console
      logger: QUIET,
    });
  }

  keyOf(file: string): string {
    return this.#prefix + file;
  }

  async put(key: string, path: string, digest: ObjectDigest, signal?: AbortSignal): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: digest.size,
        ContentType: 'application/octet-stream',
        // S3 rejects a body that does not hash to this (BadDigest); the metadata keeps it for any reader
        ChecksumSHA256: Buffer.from(digest.sha256, 'hex').toString('base64'),
        Metadata: { sha256: digest.sha256 },
      }),
      { abortSignal: signal },
    );
  }

  async digest(key: string, signal?: AbortSignal): Promise<ObjectDigest | null> {
    const body = await this.#get(key, signal);
    return body ? digestStream(body) : null;
  }

  async download(key: string, dest: string, signal?: AbortSignal): Promise<ObjectDigest> {
    const body = await this.#get(key, signal);
    if (!body) throw new Error(`${this.where}: no object '${key}'`);
    const hash = createHash('sha256');
    let size = 0;
    const tmp = `${dest}.part`;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.byteLength;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, createWriteStream(tmp, { mode: 0o600 }), { signal });
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async #get(key: string, signal?: AbortSignal): Promise<Readable | null> {
    try {
      const r = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }), { abortSignal: signal });
      return r.Body as Readable;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  /** Ends the client's connections. */
  close(): void {
    this.#client.destroy();
  }
}

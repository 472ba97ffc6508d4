// Journals in object storage (docs/deployment.md, "Object storage"), against s3rver as a NAMED
// TEST DOUBLE for S3 (test/recordings/fixtures/s3-double.ts): an S3-compatible server in this
// process on an ephemeral port with its objects in a temp dir. The server under test talks to it
// through the standard client, exactly as it would to MinIO or AWS S3.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, TOKENS } from '../server/support/test-server.ts';
import { runCli } from '../server/support/run-cli.ts';
import { BUCKET, freePort, startS3Double, useS3CredentialsEnv, type S3Double } from './fixtures/s3-double.ts';
import { JournalUploader } from '../../recordings/journal-uploader.ts';
import { S3ObjectStore } from '../../recordings/s3-object-store.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { CatalogWriteQueue } from '../../recordings/catalog-write-queue.ts';
import { Recorder } from '../../recordings/recorder.ts';
import type { ObjectStoreConfig } from '../../server/config/config-schema.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

useS3CredentialsEnv();

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const auth = { authorization: `Bearer ${TOKENS.admin.token}` };
const storeConfig = (endpoint: string, over: Partial<ObjectStoreConfig> = {}): ObjectStoreConfig => ({ bucket: BUCKET, prefix: 'lab-a/', endpoint, region: 'us-east-1', forcePathStyle: true, retryMaxMs: 200, ...over });

/**
 * Polls `check` every 25 ms until it returns a value other than undefined; fails after `ms` (a
 * deadline for progress on a loaded 2-core machine, not a speed figure: 20 s ran out there once).
 */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Server = Awaited<ReturnType<typeof startTestServer>>;
interface Row { id: string; file: string; bytes: number; status: string; storageKey?: string; sha256?: string; uploadedAt?: number }

async function rows(s: Server): Promise<Row[]> {
  const r = await s.app.inject({ url: '/api/episodes?limit=1000', headers: auth });
  expect(r.statusCode).toBe(200);
  return r.json().items;
}

/** Runs the mock robot until `n` episodes are finished (each ends at its step limit). */
async function recordEpisodes(s: Server, n: number): Promise<Row[]> {
  return waitFor(`${n} finished episodes`, async () => {
    s.tick(5);
    const done = (await rows(s)).filter((r) => r.status === 'complete');
    return done.length >= n ? done : undefined;
  });
}

async function startServer(dataDir: string, objectStore?: ObjectStoreConfig): Promise<Server> {
  const s = await startTestServer({ dataDir, record: true, robots: [{ id: 'arm0', kind: 'mock', stepLimit: 8 }], ...(objectStore && { objectStore }) }, { recorder: undefined });
  return s;
}

function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tko-upload-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('journals in object storage', { timeout: 240_000 }, () => {
  it('uploads finished journals verified by size and SHA-256; with the local files gone, REST and export read them from the store', async () => {
    const s3 = await startS3Double();
    cleanup.push(() => s3.close());
    const dataDir = tempDataDir();
    const srv = await startServer(dataDir, storeConfig(s3.endpoint));
    let closed = false;
    cleanup.push(() => (closed ? undefined : srv.app.close()));
    await recordEpisodes(srv, 3);
    const uploaded = await waitFor('3 uploads recorded in the catalog', async () => {
      const up = (await rows(srv)).filter((r) => r.storageKey);
      return up.length >= 3 ? up : undefined;
    });
    for (const r of uploaded) {
      const local = readFileSync(join(dataDir, r.file));
      expect(r.storageKey).toBe(`lab-a/${r.file}`);
      expect(r.sha256).toBe(sha256(local));
      expect(r.uploadedAt).toBeGreaterThan(0);
      expect(await s3.digest(r.storageKey!)).toEqual({ size: local.byteLength, sha256: sha256(local) });
    }
    const status = await srv.app.inject({ url: '/api/status', headers: auth });
    expect(status.json().recorder).toMatchObject({ uploaded: expect.any(Number), uploadFailedAttempts: 0, uploadSkipped: 0 });
    expect(status.json().recorder.uploaded).toBeGreaterThanOrEqual(3);
    const one = uploaded[0];
    const before = await srv.app.inject({ url: `/api/episodes/${one.id}/steps`, headers: auth });
    expect(before.statusCode).toBe(200);
    const fileBytes = readFileSync(join(dataDir, one.file));

    // the server's disk loses the journals: everything uploaded is still there
    for (const r of uploaded) rmSync(join(dataDir, r.file));
    const after = await srv.app.inject({ url: `/api/episodes/${one.id}/steps`, headers: auth });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual(before.json());
    const file = await srv.app.inject({ url: `/api/episodes/${one.id}/file`, headers: auth });
    expect(file.statusCode).toBe(200);
    expect(sha256(file.rawPayload)).toBe(sha256(fileBytes));
    expect(existsSync(join(dataDir, 'cache', 'episodes', `${one.id}.mcap`))).toBe(true);
    await srv.app.close();
    closed = true;

    // an export on the same data dir, through the configured store (the cache is emptied first)
    rmSync(join(dataDir, 'cache'), { recursive: true, force: true });
    const configFile = join(dataDir, 'takeover.config.json');
    writeFileSync(configFile, JSON.stringify({ objectStore: storeConfig(s3.endpoint) }));
    const out = join(dataDir, 'export');
    const ids = uploaded.map((r) => r.id);
    const r = await runCli(['export', '--episodes', 'all', '--format', 'mcap-foxglove', '--out', out, '--data-dir', dataDir, '--config', configFile, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ damaged: [], unavailable: [], skipped: [] });
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(ids.map((id) => `${id}.mcap`).sort()));
  });

  it('keeps retrying while the store is down and uploads everything once it is up; a restart queues what is left', async () => {
    const port = await freePort();
    const dataDir = tempDataDir();
    const config = storeConfig(`http://127.0.0.1:${port}`);
    let srv = await startServer(dataDir, config);
    let closed = false;
    cleanup.push(() => (closed ? undefined : srv.app.close()));
    const first = await recordEpisodes(srv, 2);
    // the store is not there: attempts fail (retried every 200 ms at most) and nothing is marked
    await new Promise((r) => setTimeout(r, 1000));
    expect((await rows(srv)).filter((r) => r.storageKey)).toEqual([]);
    for (const r of first) expect(existsSync(join(dataDir, r.file))).toBe(true);

    let s3: S3Double | null = await startS3Double(port);
    cleanup.push(() => s3?.close());
    await waitFor('the first episodes uploaded after the store came up', async () => {
      const all = await rows(srv);
      return first.every((f) => all.find((r) => r.id === f.id)?.storageKey) ? true : undefined;
    });

    // down again: episodes finished now wait, through a restart, and are uploaded after it
    await s3.close();
    s3 = null;
    srv.tick(40);
    const waiting = await waitFor('finished episodes not uploaded', async () => {
      srv.tick(5);
      const left = (await rows(srv)).filter((r) => r.status === 'complete' && !r.storageKey);
      return left.length >= 1 ? left : undefined;
    });
    await srv.app.close();
    closed = true;
    s3 = await startS3Double(port);
    srv = await startServer(dataDir, config);
    closed = false;
    await waitFor('the episodes left over uploaded after the restart', async () => {
      const all = await rows(srv);
      return waiting.every((w) => all.find((r) => r.id === w.id)?.storageKey) ? true : undefined;
    });
    for (const w of waiting) expect(await s3.digest(`lab-a/${w.file}`)).toEqual({ size: w.bytes, sha256: sha256(readFileSync(join(dataDir, w.file))) });
  });

  it('does not mark an upload the store holds differently, keeps the local file, and marks it once a copy verifies', async () => {
    const s3 = await startS3Double();
    cleanup.push(() => s3.close());
    const dataDir = tempDataDir();
    const catalog = new SqliteCatalog(join(dataDir, 'catalog.sqlite'), { serverId: 'srv' });
    const writes = new CatalogWriteQueue(catalog);
    cleanup.push(() => writes.close());
    const rec = new Recorder({ dataDir, catalog: writes });
    const rand = rng(3);
    rec.beginEpisode(testMeta('e1'));
    for (let i = 0; i < 20; i++) rec.appendStep(makeStep('e1', i, rand));
    rec.endEpisode('e1', 'success');
    await rec.close();
    const path = join(dataDir, 'episodes', 'e1.mcap');
    const bytes = readFileSync(path);

    // the store keeps other bytes than it was sent (one flipped byte, the same size)
    let corrupt = true;
    const real = new S3ObjectStore(storeConfig(s3.endpoint));
    cleanup.push(() => real.close());
    const store: typeof real = Object.assign(Object.create(real), {
      where: real.where,
      keyOf: (f: string) => real.keyOf(f),
      digest: (k: string, sig?: AbortSignal) => real.digest(k, sig),
      download: (k: string, d: string, sig?: AbortSignal) => real.download(k, d, sig),
      async put(key: string, p: string, d: { size: number; sha256: string }, sig?: AbortSignal) {
        await real.put(key, p, d, sig);
        if (corrupt) {
          const bad = Buffer.from(bytes);
          bad[bad.length >> 1] ^= 0xff;
          await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bad }));
        }
      },
    });
    const errors: string[] = [];
    const up = new JournalUploader({ dataDir, store, catalog, writes, keepLocal: false, retryMinMs: 20, retryMaxMs: 50, onError: (e) => errors.push(e.message) });
    cleanup.push(() => up.close());
    await up.start();
    await waitFor('two failed attempts', async () => (up.stats().failedAttempts >= 2 ? true : undefined));
    expect(errors[0]).toMatch(/did not verify: 'lab-a\/episodes\/e1\.mcap' holds \d+ bytes with SHA-256 [0-9a-f]{64}, the journal is \d+ bytes/);
    expect(await catalog.get('e1')).not.toHaveProperty('storageKey');
    expect(await catalog.pendingUploads(10)).toEqual(['e1']);
    expect(existsSync(path)).toBe(true); // keepLocal false, yet the only good copy stays

    corrupt = false;
    await waitFor('the verified upload recorded', async () => ((await catalog.get('e1'))?.storageKey ? true : undefined));
    expect(await catalog.get('e1')).toMatchObject({ storageKey: 'lab-a/episodes/e1.mcap', sha256: sha256(bytes) });
    expect(await s3.digest('lab-a/episodes/e1.mcap')).toEqual({ size: bytes.byteLength, sha256: sha256(bytes) });
    await waitFor('the local copy removed (keepLocal false)', async () => (existsSync(path) ? undefined : true));
  });

  it('holds at most queueLimit episodes in memory and takes the rest from the catalog as the queue empties', async () => {
    const s3 = await startS3Double();
    cleanup.push(() => s3.close());
    const dataDir = tempDataDir();
    const catalog = new SqliteCatalog(join(dataDir, 'catalog.sqlite'), { serverId: 'srv' });
    const writes = new CatalogWriteQueue(catalog);
    cleanup.push(() => writes.close());
    const rec = new Recorder({ dataDir, catalog: writes });
    const rand = rng(4);
    const ids = ['q1', 'q2', 'q3', 'q4', 'q5'];
    for (const [i, id] of ids.entries()) {
      rec.beginEpisode(testMeta(id, { startedAt: 1000 + i }));
      for (let k = 0; k < 5; k++) rec.appendStep(makeStep(id, k, rand));
      rec.endEpisode(id, 'success');
    }
    await rec.close();
    const store = new S3ObjectStore(storeConfig(s3.endpoint));
    cleanup.push(() => store.close());
    const errors: string[] = [];
    const up = new JournalUploader({ dataDir, store, catalog, writes, queueLimit: 2, onError: (e) => errors.push(e.message) });
    cleanup.push(() => up.close());
    await up.start();
    expect(up.stats().queued).toBeLessThanOrEqual(2);
    for (const id of ids) up.enqueue(id); // the recorder's cue for each: past the bound they stay in the catalog
    expect(up.stats().queued).toBeLessThanOrEqual(2);
    await waitFor('all five uploaded', async () => ((await catalog.pendingUploads(10)).length === 0 ? true : undefined));
    expect(up.stats()).toMatchObject({ queued: 0, uploaded: 5, failedAttempts: 0, skipped: 0 });
    expect(errors).toEqual([]);
    for (const id of ids) expect((await catalog.get(id))?.storageKey).toBe(`lab-a/episodes/${id}.mcap`);
  });
});

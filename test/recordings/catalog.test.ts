import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { PgCatalog } from '../../recordings/pg-catalog.ts';
import { openPgPool } from '../../database/pg-pool.ts';
import { startTestPg, type TestPg } from '../database/embedded-pg.ts';
import { isCatalogBusy, type EpisodeFinish, type NewEpisode, type ServerCatalog } from '../../recordings/catalog.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tko-cat-'));
  dirs.push(d);
  return d;
}

const base = (id: string, over: Partial<NewEpisode> = {}): NewEpisode => ({
  id,
  robotId: 'arm-1',
  task: 'place',
  seed: 1,
  policyVersion: 'v1',
  kind: 'policy',
  startedAt: 1000,
  file: `episodes/${id}.mcap`,
  ...over,
});
const done = (over: Partial<EpisodeFinish> = {}): EpisodeFinish => ({
  endedAt: 2000,
  outcome: 'success',
  steps: 100,
  interventionCount: 0,
  interventionSteps: 0,
  interventionOnsets: [],
  operators: [],
  droppedSteps: 0,
  bytes: 1234,
  status: 'complete',
  ...over,
});

// One embedded PostgreSQL for the file; each test gets a fresh database on it.
let server: TestPg;
const opened: ServerCatalog[] = [];
beforeAll(async () => {
  server = await startTestPg();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

/** A fresh catalog per backend: SQLite in memory, or PostgreSQL in a new database. */
const backends: Array<{ name: string; open: (serverId?: string, url?: string) => Promise<ServerCatalog>; fresh: () => Promise<string> }> = [
  {
    name: 'SQLite',
    fresh: async () => ':memory:',
    open: async (serverId = 'srv-a', url = ':memory:') => {
      const c = new SqliteCatalog(url, { serverId });
      opened.push(c);
      return c;
    },
  },
  {
    name: 'PostgreSQL',
    fresh: () => server.newDatabase(),
    open: async (serverId = 'srv-a', url?: string) => {
      const c = await PgCatalog.open(openPgPool(url ?? (await server.newDatabase())), { serverId }, true);
      opened.push(c);
      return c;
    },
  },
];

describe('SqliteCatalog', () => {
  it('migrates a new file to the latest schema in WAL mode, and reopens without re-running', async () => {
    const path = join(tempDir(), 'catalog.sqlite');
    const c = new SqliteCatalog(path);
    expect(c.version).toBe(3);
    await c.insert(base('a'));
    await c.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = new SqliteCatalog(path);
    expect((await again.get('a'))?.status).toBe('recording');
    await again.close();
  });

  it('refuses a database from a newer build', async () => {
    const path = join(tempDir(), 'catalog.sqlite');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteCatalog(path)).toThrow(/schema 99/);
  });
});

describe.each(backends)('catalog on $name', ({ name, open, fresh }) => {
  it('inserts, finishes, patches and deletes', async () => {
    const c = await open();
    await c.insert(base('a'));
    await expect(c.insert(base('a'))).rejects.toThrow(/already exists/);
    await c.finish('a', done({ interventionCount: 2, interventionSteps: 9, interventionOnsets: [10, 40], operators: ['ana'] }));
    const a = await c.get('a');
    expect(a).toMatchObject({ status: 'complete', outcome: 'success', steps: 100, interventionOnsets: [10, 40], operators: ['ana'], notes: '', tags: [] });
    expect(await c.patch('a', { notes: 'cube slipped', tags: ['slip', 'slip', 'review'], outcome: 'failure' })).toMatchObject({
      notes: 'cube slipped',
      tags: ['slip', 'review'],
      outcome: 'failure',
    });
    expect(await c.patch('missing', { notes: 'x' })).toBeNull();
    await expect(c.finish('missing', done())).rejects.toThrow(/no episode 'missing'/);
    expect(await c.delete('a')).toBe(true);
    expect(await c.delete('a')).toBe(false);
    expect(await c.get('a')).toBeNull();
  });

  it('filters by robot, task, policy, outcome, kind, tag, time range and interventions, with pagination', async () => {
    const c = await open();
    for (let i = 0; i < 30; i++) {
      const id = `e${String(i).padStart(2, '0')}`;
      await c.insert(base(id, { robotId: `arm-${i % 3}`, task: i % 2 ? 'place' : 'stack', policyVersion: i < 10 ? 'v1' : 'v2', kind: i % 7 === 0 ? 'demo' : 'policy', startedAt: 1000 + i * 10 }));
      await c.finish(id, done({ outcome: i % 4 === 0 ? 'failure' : 'success', interventionCount: i % 5 === 0 ? 1 : 0 }));
      if (i % 6 === 0) await c.patch(id, { tags: ['hard'] });
    }
    const ids = async (q: Parameters<typeof c.list>[0]) => (await c.list(q)).items.map((r) => r.id).sort();
    expect((await c.list({})).total).toBe(30);
    expect(await ids({ robotId: 'arm-1', task: 'place' })).toEqual(['e01', 'e07', 'e13', 'e19', 'e25']);
    expect((await c.list({ policyVersion: 'v1' })).total).toBe(10);
    expect(await ids({ outcome: 'failure', policyVersion: 'v1' })).toEqual(['e00', 'e04', 'e08']);
    expect(await ids({ kind: 'demo' })).toEqual(['e00', 'e07', 'e14', 'e21', 'e28']);
    expect(await ids({ tag: 'hard' })).toEqual(['e00', 'e06', 'e12', 'e18', 'e24']);
    expect(await ids({ from: 1100, to: 1130 })).toEqual(['e10', 'e11', 'e12']);
    expect(await ids({ hasInterventions: true })).toEqual(['e00', 'e05', 'e10', 'e15', 'e20', 'e25']);
    expect((await c.list({ hasInterventions: false })).total).toBe(24);
    const page1 = await c.list({ limit: 7, offset: 0 });
    const page2 = await c.list({ limit: 7, offset: 7 });
    expect(page1.total).toBe(30);
    expect(page1.items.map((r) => r.id)).toEqual(['e29', 'e28', 'e27', 'e26', 'e25', 'e24', 'e23']);
    expect(page2.items[0].id).toBe('e22');
  });

  it('stamps its server id on the rows it writes, the inserted and the recovered', async () => {
    const c = await open('cell-7');
    await c.insert(base('a'));
    await c.upsert({ ...(await c.get('a'))!, id: 'b', serverId: 'someone-else', file: 'episodes/b.mcap' });
    expect((await c.get('a'))?.serverId).toBe('cell-7');
    expect((await c.get('b'))?.serverId).toBe('cell-7');
    expect(await c.list({ serverId: 'cell-7' })).toMatchObject({ total: 2 });
    expect(await c.list({ serverId: 'cell-8' })).toMatchObject({ total: 0 });
  });

  it('lists finished episodes not yet uploaded, oldest first, and records a verified upload on the row', async () => {
    const c = await open();
    await c.insert(base('rec', { startedAt: 500 }));
    await c.insert(base('b', { startedAt: 3000 }));
    await c.insert(base('a', { startedAt: 2000 }));
    await c.insert(base('q', { startedAt: 1000 }));
    await c.finish('a', done());
    await c.finish('b', done({ status: 'recovered' }));
    await c.setStatus('q', 'quarantined');
    expect(await c.pendingUploads(10)).toEqual(['a', 'b']);
    expect(await c.pendingUploads(1)).toEqual(['a']);
    expect(await c.get('a')).not.toHaveProperty('storageKey');
    const sha256 = 'ab'.repeat(32);
    await c.markUploaded('a', { storageKey: 'lab/episodes/a.mcap', sha256, uploadedAt: 1_700_000_000_123 });
    expect(await c.get('a')).toMatchObject({ status: 'complete', storageKey: 'lab/episodes/a.mcap', sha256, uploadedAt: 1_700_000_000_123 });
    expect((await c.list({ status: 'complete' })).items[0]).toMatchObject({ storageKey: 'lab/episodes/a.mcap' });
    expect(await c.pendingUploads(10)).toEqual(['b']);
    // a row edited afterwards keeps its upload
    expect(await c.patch('a', { notes: 'x' })).toMatchObject({ notes: 'x', storageKey: 'lab/episodes/a.mcap' });
    await expect(c.markUploaded('missing', { storageKey: 'k', sha256, uploadedAt: 1 })).rejects.toThrow(/no episode 'missing'/);
  });

  it('continues seeds per robot after the highest recorded', async () => {
    const c = await open();
    await c.insert(base('a', { robotId: 'arm0', seed: 4 }));
    await c.insert(base('b', { robotId: 'arm0', seed: 9 }));
    await c.insert(base('c', { robotId: 'arm1', seed: 2 }));
    expect(await c.highestSeeds()).toEqual(new Map([['arm0', 9], ['arm1', 2]]));
  });

  if (name === 'PostgreSQL') {
    it('shares one database between servers: each lists its own rows, scope fleet lists all, seeds stay per server', async () => {
      const url = await fresh();
      // two servers migrating the same empty database at once
      const [a, b] = await Promise.all([open('srv-a', url), open('srv-b', url)]);
      await a.insert(base('a1', { robotId: 'arm0', seed: 3 }));
      await b.insert(base('b1', { robotId: 'arm0', seed: 50, startedAt: 2000 }));
      await b.insert(base('b2', { robotId: 'arm1', seed: 7, startedAt: 3000 }));
      expect((await a.list({})).items.map((r) => r.id)).toEqual(['a1']);
      expect((await b.list({})).items.map((r) => r.id)).toEqual(['b2', 'b1']);
      const fleet = await a.list({ scope: 'fleet' });
      expect(fleet.total).toBe(3);
      expect(fleet.items.map((r) => [r.id, r.serverId])).toEqual([['b2', 'srv-b'], ['b1', 'srv-b'], ['a1', 'srv-a']]);
      expect((await a.list({ serverId: 'srv-b' })).total).toBe(2);
      expect(await a.highestSeeds()).toEqual(new Map([['arm0', 3]]));
      // a row is one row, whoever reads it
      expect((await a.get('b1'))?.serverId).toBe('srv-b');
      // each server uploads the journals on its own disk only
      await a.finish('a1', done());
      await b.finish('b1', done());
      expect([await a.pendingUploads(10), await b.pendingUploads(10)]).toEqual([['a1'], ['b1']]);
    });

    it('answers CatalogBusyError (the write queue retries) while the database is unreachable, and works again after', async () => {
      const url = new URL(await fresh());
      // a proxy in front of PostgreSQL that the test can take away
      const sockets = new Set<Socket>();
      const proxy = createNetServer((c) => {
        const up = connect(Number(url.port), url.hostname);
        sockets.add(c).add(up);
        c.pipe(up).pipe(c);
        c.on('error', () => up.destroy());
        up.on('error', () => c.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const port = (proxy.address() as { port: number }).port;
      const viaProxy = new URL(url);
      viaProxy.port = String(port);
      const c = await PgCatalog.open(openPgPool(viaProxy.toString()), { serverId: 'x' }, true);
      opened.push(c);
      await c.insert(base('a'));
      const closed = new Promise<void>((r) => proxy.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
      const err = await c.insert(base('b')).catch((e: unknown) => e);
      expect(isCatalogBusy(err)).toBe(true);
      expect((err as Error).message).toMatch(/PgCatalog#insert: the database is unreachable or busy/);
      await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', r));
      await c.insert(base('b'));
      expect((await c.list({})).total).toBe(2);
      await c.close();
      opened.length = 0;
      for (const s of sockets) s.destroy();
      proxy.close();
    });

  } else {
    it('ignores scope: a SQLite file is one server\'s', async () => {
      const c = await open('srv-a');
      await c.insert(base('a'));
      expect((await c.list({ scope: 'server' })).total).toBe(1);
      expect((await c.list({ scope: 'fleet' })).total).toBe(1);
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';

let pg: TestPg;
beforeAll(async () => {
  pg = await startTestPg();
});
afterAll(async () => {
  await pg?.stop();
});

type Server = Awaited<ReturnType<typeof startTestServer>>;

async function episodes(s: Server, query = ''): Promise<{ items: Array<{ id: string; serverId: string; robotId: string }>; total: number }> {
  const r = await s.app.inject({ method: 'GET', url: `/api/episodes${query}`, headers: { authorization: `Bearer ${TOKENS.eve.token}` } });
  expect(r.statusCode).toBe(200);
  return r.json();
}

/** Records until the server's catalog holds an episode of its own (the recorder writes through its queue). */
async function recordOne(s: Server): Promise<void> {
  for (let i = 0; i < 200; i++) {
    s.tick(5);
    if ((await episodes(s)).total > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no episode was recorded');
}

describe('episodes in a catalog shared by two servers (PostgreSQL)', () => {
  it('lists a server its own episodes, and the whole fleet with scope=fleet', async () => {
    const url = await pg.newDatabase();
    const [a, b] = await Promise.all([
      startTestServer({ record: true, database: url, serverId: 'cell-a' }, { recorder: undefined }),
      startTestServer({ record: true, database: url, serverId: 'cell-b' }, { recorder: undefined }),
    ]);
    try {
      expect([a.app.serverId, b.app.serverId]).toEqual(['cell-a', 'cell-b']);
      await recordOne(a);
      await recordOne(b);
      const own = await episodes(a);
      expect(own.items.every((e) => e.serverId === 'cell-a')).toBe(true);
      const fleet = await episodes(b, '?scope=fleet');
      expect(new Set(fleet.items.map((e) => e.serverId))).toEqual(new Set(['cell-a', 'cell-b']));
      expect(fleet.total).toBe(own.total + (await episodes(b)).total);
      expect((await episodes(b, '?serverId=cell-a&scope=fleet')).total).toBe(own.total);
      const bad = await a.app.inject({ method: 'GET', url: '/api/episodes?scope=everything', headers: { authorization: `Bearer ${TOKENS.eve.token}` } });
      expect(bad.statusCode).toBe(400);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('fails the start naming the database (not its password) when it cannot be reached', async () => {
    const err = await startTestServer({ record: true, database: 'postgres://u:secret-pw@127.0.0.1:1/db' }, { recorder: undefined }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot reach the database postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/);
    expect((err as Error).message).not.toContain('secret-pw');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';
import type { FleetServer } from '../../../server/fleet-snapshot.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;
interface Fleet { serverId: string; shared: boolean; servers: FleetServer[] }

async function fleet(s: Server, query = ''): Promise<Fleet> {
  const r = await s.app.inject({ method: 'GET', url: `/api/fleet${query}`, headers: { authorization: `Bearer ${TOKENS.eve.token}` } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

/** Polls the fleet view of `s` until `pred` holds; fails after `ms` with what it saw last. */
async function until(s: Server, pred: (f: Fleet) => boolean, ms = 15_000): Promise<Fleet> {
  const end = Date.now() + ms;
  let last: Fleet | null = null;
  while (Date.now() < end) {
    last = await fleet(s);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the fleet view never got there in ${ms} ms; last seen: ${JSON.stringify(last?.servers.map((x) => [x.id, x.status, x.heartbeatAgeMs]))}`);
}

const state = (f: Fleet, id: string) => f.servers.find((s) => s.id === id)?.status;

describe('GET /api/fleet without a database', () => {
  let srv: Server;
  beforeAll(async () => {
    srv = await startTestServer({ serverId: 'solo', robots: [{ id: 'arm0', kind: 'mock' }, { id: 'arm1', kind: 'mock', controlRateHz: 50 }] });
    srv.tick(3);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('lists this server alone, with its robots, modes and loop health', async () => {
    const f = await fleet(srv);
    expect(f.serverId).toBe('solo');
    expect(f.shared).toBe(false);
    expect(f.servers).toHaveLength(1);
    const [s] = f.servers;
    expect(s).toMatchObject({ id: 'solo', status: 'up', port: srv.port, url: `http://127.0.0.1:${srv.port}`, heartbeatMs: 2000, stoppedAt: null, heartbeatAgeMs: 0 });
    expect(s.robots.map((r) => r.id)).toEqual(['arm0', 'arm1']);
    expect(s.robots[1]).toMatchObject({ kind: 'mock', configuredRateHz: 50, stale: false, staleReason: '', policy: null });
    // the same figures as /api/status (the clock stands still between the two)
    const st = (await srv.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: `Bearer ${TOKENS.eve.token}` } })).json();
    for (const [i, r] of st.robots.entries()) {
      expect(s.robots[i]).toMatchObject({ mode: r.mode, modeReason: r.modeReason, measuredRateHz: r.measuredRateHz, configuredRateHz: r.configuredRateHz, rateOk: r.rateOk });
    }
  });

  it('needs a token, and filters by state and server', async () => {
    expect((await srv.app.inject({ method: 'GET', url: '/api/fleet' })).statusCode).toBe(401);
    expect((await srv.app.inject({ method: 'GET', url: `/api/fleet?token=${TOKENS.eve.token}` })).statusCode).toBe(200);
    expect((await fleet(srv, '?status=stale')).servers).toEqual([]);
    expect((await fleet(srv, '?status=up&serverId=solo')).servers).toHaveLength(1);
    expect((await fleet(srv, '?serverId=other')).servers).toEqual([]);
  });

  it('answers a bad query parameter with a 400 naming it', async () => {
    for (const [q, says] of [
      ['?status=gone', "status: 'gone' is not a server state (up, stale, stopped)"],
      ['?status=up&status=stale', "status: 'up,stale' is not a server state"],
      ['?serverId=..%2Fx', 'querystring/serverId must match pattern'],
      ['?scope=fleet', "unknown query parameter 'scope' (known: status, serverId)"],
    ] as const) {
      const r = await srv.app.inject({ method: 'GET', url: `/api/fleet${q}`, headers: { authorization: `Bearer ${TOKENS.eve.token}` } });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'TKO_ERR_BAD_REQUEST' });
      expect(r.json().message).toContain(says);
    }
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await srv.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = doc.paths['/api/fleet'].get;
    expect(op['x-required-role']).toBe('viewer');
    const ref: string = op.responses['200'].content['application/json'].schema.properties.servers.items.$ref;
    const server = doc.components.schemas[ref.split('/').pop()!];
    expect(Object.keys(server.properties)).toEqual(expect.arrayContaining(['status', 'lastHeartbeat', 'heartbeatAgeMs', 'robots']));
  });
});

describe('GET /api/fleet with two servers on one PostgreSQL', () => {
  let pg: TestPg;
  beforeAll(async () => {
    pg = await startTestPg();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('lists both with their robots; a silent server goes stale, a cleanly stopped one stopped', async () => {
    const url = await pg.newDatabase();
    const period = 150;
    const [a, b] = await Promise.all([
      startTestServer({ database: url, serverId: 'cell-a', serverHeartbeatMs: period }),
      startTestServer({ database: url, serverId: 'cell-b', serverHeartbeatMs: period, robots: [{ id: 'b0', kind: 'mock' }, { id: 'b1', kind: 'mock' }] }),
    ]);
    let bOpen = true;
    try {
      const both = await until(a, (f) => f.servers.length === 2 && f.servers.every((s) => s.status === 'up' && s.port !== 0));
      expect(both.shared).toBe(true);
      expect(both.servers.map((s) => s.id)).toEqual(['cell-a', 'cell-b']);
      const sb = both.servers[1];
      expect(sb).toMatchObject({ port: b.port, url: `http://127.0.0.1:${b.port}`, heartbeatMs: period, stoppedAt: null });
      expect(sb.robots.map((r) => r.id)).toEqual(['b0', 'b1']);
      expect(sb.robots[0]).toMatchObject({ kind: 'mock', rateOk: true, stale: false });
      expect(both.servers[0].robots.map((r) => r.id)).toEqual(['arm0']);
      // B's view is the same fleet
      expect((await fleet(b)).servers.map((s) => s.id)).toEqual(['cell-a', 'cell-b']);

      // B stops beating without a clean stop (what a crash or a hung process looks like to A)
      await b.app.serverHeartbeat!.stop();
      const stale = await until(a, (f) => state(f, 'cell-b') === 'stale');
      const sbStale = stale.servers.find((s) => s.id === 'cell-b')!;
      expect(sbStale.heartbeatAgeMs).toBeGreaterThan(3 * period);
      expect(sbStale.stoppedAt).toBeNull();
      expect(state(stale, 'cell-a')).toBe('up');
      expect((await fleet(a, '?status=stale')).servers.map((s) => s.id)).toEqual(['cell-b']);

      // a clean stop marks B stopped at once
      await b.close();
      bOpen = false;
      const stopped = await fleet(a);
      expect(state(stopped, 'cell-b')).toBe('stopped');
      expect(stopped.servers.find((s) => s.id === 'cell-b')!.stoppedAt).toEqual(expect.any(String));
      expect(state(stopped, 'cell-a')).toBe('up');
    } finally {
      await Promise.all([a.close(), bOpen ? b.close() : null]);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { redactToken } from '../../../server/app.ts';

describe('REST API', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const get = (url: string, token?: string) => srv.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'mock' }, { id: 'arm1', kind: 'mock', controlRateHz: 50 }] });
    srv.tick(5);
  });
  afterAll(async () => {
    await srv.close();
  });

  it('answers /api/health without a token', async () => {
    const r = await get('/api/health');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true, robots: 2 });
  });

  it('never logs a token from the query string', () => {
    expect(redactToken('/ws?token=secret-123&x=1')).toBe('/ws?token=***&x=1');
    expect(redactToken('/api/status?a=1&TOKEN=abc')).toBe('/api/status?a=1&TOKEN=***');
    expect(redactToken('/api/status')).toBe('/api/status');
  });

  it('requires a token and names the problem', async () => {
    const none = await get('/api/status');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'TKO_ERR_UNAUTHENTICATED' });
    const bad = await get('/api/status', 'nope-nope-nope-nope');
    expect(bad.statusCode).toBe(401);
    const viaQuery = await srv.app.inject({ method: 'GET', url: `/api/status?token=${TOKENS.eve.token}` });
    expect(viaQuery.statusCode).toBe(200);
  });

  it('GET /api/status reports version, robots with measured loop figures, backend', async () => {
    const r = await get('/api/status', TOKENS.eve.token);
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(s).toMatchObject({ name: 'takeover', protocol: 2, backend: { physics: ['mock'], policy: 'idle' }, recorder: null });
    expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.robots.map((x: { id: string }) => x.id)).toEqual(['arm0', 'arm1']);
    const arm0 = s.robots[0];
    expect(arm0).toMatchObject({ mode: 'AUTONOMOUS', configuredRateHz: 20, ticks: 5 });
    expect(arm0.measuredRateHz).toBeCloseTo(20, 6); // the manual clock ticks exactly at 20 Hz
    expect(s.robots[1].configuredRateHz).toBe(50);
  });

  it("times each e-stop from its frame's arrival to its answer (estopAck), and starts over on reset-figures", async () => {
    const { client } = await TestClient.signIn(srv.url, TOKENS.bob.token);
    client.send({ type: 'estop', robot: 'arm1', ref: 7 });
    await client.next((m) => m.type === 'ack' && m.ref === 7);
    client.send({ type: 'reset_estop', robot: 'arm1', ref: 8 });
    await client.next((m) => m.type === 'ack' && m.ref === 8);
    client.close();
    const s = (await get('/api/status', TOKENS.eve.token)).json();
    expect(s.estopAck.count).toBe(1);
    expect(s.estopAck.p99Ms).toBeGreaterThanOrEqual(0);
    expect(s.estopAck.maxMs).toBe(s.estopAck.p99Ms);
    // the control thread's figures are there (this server ticks by hand: nothing measured yet)
    expect(s.controlThread).toMatchObject({ gc: { count: 0 }, busyShare: null });
    // memory now: the process's RSS holds at least the heap of the thread that answered
    expect(s.memory.heapUsedMiB).toBeGreaterThan(1);
    expect(s.memory.heapTotalMiB).toBeGreaterThanOrEqual(s.memory.heapUsedMiB);
    expect(s.memory.rssMiB).toBeGreaterThan(s.memory.heapTotalMiB);
    expect(s.controlThread.heap.totalMiB).toBeGreaterThanOrEqual(s.controlThread.heap.usedMiB);
    const reset = await srv.app.inject({ method: 'POST', url: '/api/status/reset-figures', headers: { authorization: `Bearer ${TOKENS.bob.token}` } });
    expect(reset.statusCode).toBe(200);
    const after = (await get('/api/status', TOKENS.eve.token)).json();
    expect(after.estopAck).toEqual({ count: 0, p50Ms: null, p99Ms: null, maxMs: null });
    expect(s.robots[0].jitterP99Ms).not.toBeNull();
    expect(after.robots[0].jitterP99Ms).toBeNull();
  });

  it('GET /api/robots and /api/robots/:id', async () => {
    const list = await get('/api/robots', TOKENS.eve.token);
    expect(list.json()).toHaveLength(2);
    const one = await get('/api/robots/arm1', TOKENS.eve.token);
    expect(one.statusCode).toBe(200);
    const body = one.json();
    expect(body.info).toMatchObject({ id: 'arm1', kind: 'mock', controlRateHz: 50 });
    expect(body.info.jointNames).toHaveLength(6);
    expect(body.info.model.format).toBe('geoms');
    expect(body.status.id).toBe('arm1');
    const missing = await get('/api/robots/arm9', TOKENS.eve.token);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'TKO_ERR_UNKNOWN_ROBOT' });
    const badId = await get('/api/robots/..%2Fetc', TOKENS.eve.token);
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toMatchObject({ code: 'TKO_ERR_BAD_REQUEST' });
  });

  it('serves OpenAPI at /docs and answers unknown routes with a coded 404', async () => {
    const doc = await get('/docs/json');
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/status', '/api/robots', '/api/robots/{id}']));
    const nf = await get('/api/nothing', TOKENS.eve.token);
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toMatchObject({ code: 'TKO_ERR_NOT_FOUND' });
  });
});

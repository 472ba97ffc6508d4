import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';

describe('POST /api/robots/:id/rewind', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert', seed: 2 }] });
  });
  afterAll(async () => {
    await srv.close();
  });
  const post = (body: unknown, token = TOKENS.alice.token) =>
    srv.app.inject({ method: 'POST', url: '/api/robots/arm0/rewind', headers: { authorization: `Bearer ${token}` }, payload: body as object });

  it('rewinds by seconds, reports the ring in the status, and refuses bad requests with coded errors', async () => {
    srv.tick(40);
    const before = await srv.app.inject({ method: 'GET', url: '/api/robots/arm0', headers: { authorization: `Bearer ${TOKENS.eve.token}` } });
    const st = before.json().status;
    expect(st.rewind.exact).toBe(true);
    expect(st.rewind.horizonS).toBeGreaterThan(1.5);
    expect(st.rewind.bytes).toBeGreaterThan(40 * 1400);

    expect((await post({ seconds: 1 }, TOKENS.eve.token)).statusCode).toBe(403);
    const both = await post({ seconds: 1, toStep: 3 });
    expect(both.statusCode).toBe(400);
    expect(both.json()).toMatchObject({ code: 'TKO_ERR_BAD_REQUEST' });
    expect((await post({ seconds: 'soon' })).statusCode).toBe(400);
    // a request has no connection whose close would free a lease: it never takes one
    const noSession = await post({ seconds: 1 });
    expect(noSession.statusCode).toBe(409);
    expect(noSession.json()).toMatchObject({ code: 'TKO_ERR_NO_SESSION' });
    const { client: alice } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    const noLease = await post({ seconds: 1 });
    expect(noLease.statusCode).toBe(409);
    expect(noLease.json()).toMatchObject({ code: 'TKO_ERR_NOT_LEASE_HOLDER' });
    expect(srv.app.fleet.get('arm0').loop).toMatchObject({ mode: 'AUTONOMOUS', lease: null });

    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    await alice.next((m) => m.type === 'ack' && m.ref === 1);
    const far = await post({ seconds: 1000 });
    expect(far.statusCode).toBe(409);
    expect(far.json()).toMatchObject({ code: 'TKO_ERR_REWIND_RANGE' });
    const ok = await post({ seconds: 1 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ mode: 'INTERVENING', lease: 'alice' });
    expect(ok.json().rewind.horizonS).toBeLessThan(st.rewind.horizonS);
    const { client: bobWs } = await TestClient.signIn(srv.url, TOKENS.bob.token);
    const bob = await post({ seconds: 0.5 }, TOKENS.bob.token);
    expect(bob.statusCode).toBe(409);
    expect(bob.json()).toMatchObject({ code: 'TKO_ERR_NOT_LEASE_HOLDER' });
    bobWs.close();
    // the lease goes with the session that holds it
    alice.close();
    await alice.waitClose();
    await expect.poll(() => srv.app.fleet.get('arm0').loop.lease).toBeNull();
  });
});

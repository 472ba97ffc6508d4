import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TOKENS } from '../support/test-server.ts';

describe('REST rate limits', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    // a long window: the counts below cannot reset mid-test
    srv = await startTestServer({ restLimits: { timeWindowMs: 60_000, readMax: 5, writeMax: 2 } });
    srv.tick(5);
  });
  afterAll(async () => {
    await srv.close();
  });

  it('answers 429 TKO_ERR_RATE_LIMITED on a mutating route over its budget, with Retry-After', async () => {
    const rewind = () => srv.app.inject({ method: 'POST', url: '/api/robots/arm0/rewind', headers: auth(TOKENS.alice.token), payload: { seconds: 0.05 } });
    for (let i = 0; i < 2; i++) expect((await rewind()).statusCode).not.toBe(429);
    const r = await rewind();
    expect(r.statusCode).toBe(429);
    expect(r.json()).toMatchObject({ statusCode: 429, code: 'TKO_ERR_RATE_LIMITED' });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // writes do not spend the read budget
    expect((await srv.app.inject({ method: 'GET', url: '/api/robots/arm0', headers: auth(TOKENS.eve.token) })).statusCode).toBe(200);
  });

  it('refuses reads over their budget before auth, and never /api/health', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await srv.app.inject({ method: 'GET', url: '/api/status' })).statusCode);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c !== 429).every((c) => c === 401)).toBe(true);
    for (let i = 0; i < 20; i++) expect((await srv.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { UNLIMITED_RATES, until, wsLimits } from '../support/edge-helpers.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('framesDropped (real server)', () => {
  let srv: Server | null = null;
  afterEach(async () => {
    await srv?.close();
    srv = null;
  });

  it('is a running total: the frames dropped for a client that has gone stay counted', async () => {
    srv = await startTestServer({ maxClientBufferBytes: 1024, wsLimits: wsLimits({ ...UNLIMITED_RATES }) });
    const s = srv;
    const framesDropped = async (): Promise<number> =>
      (await s.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: `Bearer ${TOKENS.eve.token}` } })).json().framesDropped;
    const { client } = await TestClient.signIn(s.url, TOKENS.eve.token);
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    (client.ws as unknown as { _socket: Socket })._socket.pause(); // stops reading
    // once the kernel's buffers are full, frames wait in the socket and later ones are dropped
    for (let i = 0; i < 40_000 && s.app.broadcaster.dropped < 10; i++) {
      s.tick();
      await new Promise((r) => setImmediate(r)); // frames are built and offered right after the tick
    }
    const before = await framesDropped();
    expect(before).toBeGreaterThanOrEqual(10);
    client.ws.terminate();
    await until(() => s.app.broadcaster.sessions.size === 0, 5000, 'the server forgets the client');
    expect(await framesDropped()).toBe(before);
    // and it keeps counting from there
    const { client: next } = await TestClient.signIn(s.url, TOKENS.eve.token);
    await next.sync();
    expect(await framesDropped()).toBe(before);
    next.close();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { serverSockets, sleep, socketClosed, UNLIMITED_RATES, within, wsLimits } from '../support/edge-helpers.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const MAX_QUEUED = 64 * 1024;

describe('a client that does not read (real server)', () => {
  let srv: Server | null = null;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await srv?.close();
    srv = null;
  });

  it('has a bounded reply queue: its error frames are dropped, then it is closed as a slow consumer', async () => {
    // rate budgets off, so that only the queue bound can stop this client
    srv = await startTestServer({ maxClientBufferBytes: 16 * 1024, wsLimits: wsLimits({ ...UNLIMITED_RATES, maxQueuedBytes: MAX_QUEUED }) });
    const { client } = await TestClient.signIn(srv.url, TOKENS.eve.token);
    clients.push(client);
    const [server] = serverSockets(srv.app);
    const session = [...srv.app.wsConnections.sessions()][0];
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    (client.ws as unknown as { _socket: Socket })._socket.pause(); // stops reading

    // State frames fill the kernel's socket buffers (MBs on loopback) quickly; they are dropped, never queued, after that.
    for (let i = 0; i < 20_000 && server.bufferedAmount === 0; i++) {
      srv.tick();
      await new Promise((r) => setImmediate(r));
    }
    let maxQueued = 0;
    let sent = 0;
    const bad = Uint8Array.of(0xc1);
    // then every bad frame is owed an error reply; stop at 200k frames either way
    while (server.readyState === server.OPEN && sent < 200_000) {
      for (let i = 0; i < 200; i++) client.sendRaw(bad);
      sent += 200;
      while (client.ws.bufferedAmount > 0) await sleep(1);
      await sleep(2);
      maxQueued = Math.max(maxQueued, server.bufferedAmount);
    }
    expect(maxQueued).toBeLessThanOrEqual(MAX_QUEUED);
    expect(server.readyState).not.toBe(server.OPEN);
    expect(session.closedWith).toBe(4005);
    expect(session.repliesDropped).toBeGreaterThan(0);
    // the close is not waited for: the client never reads it
    await within(socketClosed(server), 5000, 'the slow consumer is destroyed');

    const { client: other } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    clients.push(other);
    await other.sync();
  });
});

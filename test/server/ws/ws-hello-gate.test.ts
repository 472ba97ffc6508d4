import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { encodeMessage } from '../../../protocol/codec.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { deafClient, serverSockets, socketClosed, until, within, wsLimits } from '../support/edge-helpers.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('before hello (real server)', () => {
  let srv: Server | null = null;
  const clients: TestClient[] = [];
  const raw: Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of raw.splice(0)) s.destroy();
    await srv?.close();
    srv = null;
  });

  it('destroys the socket at the hello deadline even when the client does not read', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ helloTimeoutMs: 200, closeTimeoutMs: 200 }) });
    const deaf = await deafClient(srv.port);
    raw.push(deaf);
    await until(() => serverSockets(srv!.app).length === 1, 5000, 'the upgrade completes');
    const [server] = serverSockets(srv.app);
    // deadline + close timeout is 0.4 s; ws alone would wait 30 s for the close handshake
    await within(socketClosed(server), 5000, 'the server-side socket is destroyed');
    expect(serverSockets(srv.app)).toHaveLength(0);
    await within(new Promise((r) => { deaf.once('close', r); deaf.resume(); }), 5000, 'the client sees the TCP connection end');
  });

  it('closes a connection whose first frame is not hello with 4003, answering it once', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({}) });
    const early = await TestClient.connect(srv.url, TOKENS.eve.token);
    clients.push(early);
    const closed = early.waitClose();
    const sub = encodeMessage({ type: 'subscribe', robots: '*' });
    for (let i = 0; i < 200; i++) early.sendRaw(i % 2 ? sub : Uint8Array.of(0xc1));
    expect((await within(closed, 5000, 'closed before hello')).code).toBe(4003);
    expect(early.inbox).toEqual([expect.objectContaining({ type: 'error', code: 'TKO_ERR_HELLO_REQUIRED' })]);
  });

  it('closes a pre-hello frame over maxHelloBytes with 4003, even a valid hello', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ maxHelloBytes: 256 }) });
    const big = await TestClient.connect(srv.url);
    clients.push(big);
    const closed = big.waitClose();
    big.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.alice.token, client: 'x'.repeat(128) + 'y'.repeat(100) });
    expect((await within(closed, 5000, 'closed before hello')).code).toBe(4003);
    // a hello that fits is answered as always
    const { client, info } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    clients.push(client);
    expect(info.operator.id).toBe('alice');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { until, within, wsLimits } from '../support/edge-helpers.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Tries an upgrade; resolves with the HTTP status and JSON body of a refusal (or 101 when it opens, closing it). */
function upgradeStatus(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const ws = new WebSocket(token ? `${url}?token=${encodeURIComponent(token)}` : url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => { ws.close(); resolve({ status: 101, body: null }); });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once('error', reject);
  });
}

describe('connection caps (real server)', () => {
  let srv: Server | null = null;
  const clients: TestClient[] = [];
  const open = async (token?: string) => {
    const c = await TestClient.connect(srv!.url, token);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await srv?.close();
    srv = null;
  });

  it('refuses the upgrade over the per-token cap with 429 TKO_ERR_TOO_MANY_CONNECTIONS; other tokens still connect', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ maxConnectionsPerToken: 2 }) });
    const a1 = await open(TOKENS.alice.token);
    await open(TOKENS.alice.token);
    const refused = await upgradeStatus(srv.url, TOKENS.alice.token);
    expect(refused).toEqual({ status: 429, body: expect.objectContaining({ code: 'TKO_ERR_TOO_MANY_CONNECTIONS', message: expect.stringMatching(/token/) }) });
    expect((await TestClient.signIn(srv.url, TOKENS.bob.token).then((r) => (clients.push(r.client), r))).info.operator.id).toBe('bob');
    // a closed connection frees its slot
    a1.close();
    await a1.waitClose();
    await until(() => srv!.app.wsConnections.count('alice') === 1, 5000, 'the server sees the close');
    expect((await upgradeStatus(srv.url, TOKENS.alice.token)).status).toBe(101);
  });

  it('closes a hello over the per-token cap with 4006', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ maxConnectionsPerToken: 2 }) });
    for (let i = 0; i < 2; i++) {
      const c = await open();
      c.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.bob.token });
      await c.next((m) => m.type === 'server_info');
    }
    const third = await open();
    const closed = third.waitClose();
    third.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.bob.token });
    expect((await within(closed, 5000, 'the third hello is closed')).code).toBe(4006);
    expect(third.inbox).toEqual([expect.objectContaining({ type: 'error', code: 'TKO_ERR_TOO_MANY_CONNECTIONS' })]);
    // the token's slots are taken by the upgrade token too
    expect((await upgradeStatus(srv.url, TOKENS.bob.token)).status).toBe(429);
  });

  it('refuses any upgrade over the total cap, said hello or not', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ maxConnections: 3 }) });
    await open();
    await open(TOKENS.alice.token);
    await open(TOKENS.eve.token);
    for (const token of [undefined, TOKENS.bob.token]) {
      const r = await upgradeStatus(srv.url, token);
      expect(r).toEqual({ status: 429, body: expect.objectContaining({ code: 'TKO_ERR_TOO_MANY_CONNECTIONS', message: expect.stringMatching(/server/) }) });
    }
    expect(srv.app.wsConnections.size).toBe(3);
  });
});

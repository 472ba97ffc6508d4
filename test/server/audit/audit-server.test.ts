import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** The upgrade's HTTP status when it is refused, or 101 when it opens. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', reject);
  });
}

describe('audit log of a real server', () => {
  let srv: Server | null = null;
  afterEach(async () => {
    await srv?.close();
    srv = null;
  });

  it('records take-over, force, hand-back, e-stop, e-stop reset and episode reset from the control events, and WS sign-in failures, in <dataDir>/audit.log', async () => {
    srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'mock' }, { id: 'arm1', kind: 'mock' }] });
    srv.tick();
    const { client: alice } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    const { client: root } = await TestClient.signIn(srv.url, TOKENS.admin.token);
    const { client: bob } = await TestClient.signIn(srv.url, TOKENS.bob.token);
    const ack = async (c: TestClient, msg: Record<string, unknown>, ref: number) => {
      c.send({ ...msg, ref });
      return c.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === ref);
    };
    expect(await ack(alice, { type: 'take_over', robot: 'arm0' }, 1)).toMatchObject({ type: 'ack' });
    expect(await ack(root, { type: 'take_over', robot: 'arm0', force: true }, 2)).toMatchObject({ type: 'ack' });
    expect(await ack(root, { type: 'hand_back', robot: 'arm0' }, 3)).toMatchObject({ type: 'ack' });
    expect(await ack(bob, { type: 'estop', robot: 'arm1' }, 4)).toMatchObject({ type: 'ack' });
    expect(await ack(bob, { type: 'reset_estop', robot: 'arm1' }, 5)).toMatchObject({ type: 'ack' });
    expect(await ack(bob, { type: 'reset_episode', robot: 'arm1' }, 6)).toMatchObject({ type: 'ack' });
    // sign-in failures over the WebSocket: bad upgrade token, bad hello token, no token at all
    expect(await upgradeStatus(`${srv.url}?token=wrong-token-0123456789`)).toBe(401);
    for (const hello of [{ token: 'wrong-hello-token-0123' }, {}]) {
      const c = await TestClient.connect(srv.url);
      c.send({ type: 'hello', protocol: PROTOCOL_VERSION, ...hello });
      await c.waitClose();
    }
    expect(await upgradeStatus(srv.url, { origin: 'http://evil.example' })).toBe(403);
    for (const c of [alice, root, bob]) c.close();

    const res = await fetch(`http://127.0.0.1:${srv.port}/api/audit?limit=50`, { headers: { authorization: `Bearer ${TOKENS.admin.token}` } });
    expect(res.status).toBe(200);
    const items = ((await res.json()).items as Array<Record<string, unknown>>).reverse();
    expect(items.map((r) => `${r.type} ${r.actor} ${r.robot ?? r.reason ?? r.origin}`)).toEqual([
      'take_over alice arm0',
      'force root arm0',
      'hand_back root arm0',
      'estop bob arm1',
      'estop_reset bob arm1',
      'episode_reset bob arm1',
      'sign_in_failed null unknown token',
      'sign_in_failed null unknown token in hello',
      'sign_in_failed null no token',
      'origin_refused null http://evil.example',
    ]);
    expect(items[1]).toMatchObject({ from: 'alice' });
    const text = readFileSync(join(srv.config.dataDir, 'audit.log'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(items.length);
    expect(text).not.toContain('wrong-token-0123456789');
    expect(text).not.toContain('wrong-hello-token-0123');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttentionItem, HelpRequest, ServerMessage } from '../../../protocol/messages.ts';
import type { LoopStatus } from '../../../server/control/loop-status.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';

type AttentionMessage = Extract<ServerMessage, { type: 'attention' }>;
const HELP: HelpRequest = { reason: 'novelty 3.2 > 2.5: the cube is off the demo distribution', score: 3.2, threshold: 2.5, since: Date.now(), action: 'pause' };

describe('attention queue over REST and WebSocket', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const get = (token?: string) => srv.app.inject({ method: 'GET', url: '/api/attention', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const order = (items: AttentionItem[]) => items.map((i) => `${i.robot}:${i.kind}`);

  beforeAll(async () => {
    srv = await startTestServer({ robots: ['arm0', 'arm1', 'arm2', 'arm3'].map((id) => ({ id, kind: 'mock' as const })) });
    srv.tick(3);
  });
  afterAll(async () => srv?.close());

  it('needs a viewer token and starts empty', async () => {
    expect((await get()).statusCode).toBe(401);
    const r = await get(TOKENS.eve.token);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ items: [] });
  });

  it('puts a help request after an e-stop and before a pause, and tells signed-in clients at once', async () => {
    const { client: eve, info } = await TestClient.signIn(srv.url, TOKENS.eve.token);
    expect(info.type).toBe('server_info');
    expect(await eve.next<AttentionMessage>((m) => m.type === 'attention')).toMatchObject({ items: [] });
    const { client: alice } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    // the policy of arm1 asks for help: planted in the loop's status, where the help request lives
    const loop = srv.app.fleet.get('arm1').loop;
    const status = loop.status.bind(loop);
    loop.status = () => ({ ...status(), help: HELP }) as LoopStatus;
    alice.send({ type: 'pause', robot: 'arm3', ref: 1 });
    await alice.next((m) => m.type === 'ack' && m.ref === 1);
    alice.send({ type: 'estop', robot: 'arm2', ref: 2 });
    await alice.next((m) => m.type === 'ack' && m.ref === 2);
    // the e-stop and the pause came as loop events: the clients heard before any snapshot
    const pushed = await eve.next<AttentionMessage>((m) => m.type === 'attention' && m.items.some((i) => i.kind === 'estop'));
    expect(order(pushed.items)[0]).toBe('arm2:estop');
    const r = (await get(TOKENS.eve.token)).json() as { items: AttentionItem[]; at: number };
    expect(order(r.items)).toEqual(['arm2:estop', 'arm1:help', 'arm3:paused']);
    expect(r.items[1]).toMatchObject({ reason: HELP.reason, since: HELP.since, help: HELP, mode: 'AUTONOMOUS' });
    expect(r.items[2].reason).toMatch(/pause/);
    const latest = await eve.next<AttentionMessage>((m) => m.type === 'attention' && m.items.some((i) => i.kind === 'help'));
    expect(order(latest.items)).toEqual(['arm2:estop', 'arm1:help', 'arm3:paused']);
    loop.status = status;
    eve.close();
    alice.close();
  });
});

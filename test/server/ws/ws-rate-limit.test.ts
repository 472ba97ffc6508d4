import { afterEach, describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../protocol/codec.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { until, within, wsLimits } from '../support/edge-helpers.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** What a token bucket can have let through since `t0` (performance.now()): the burst plus the refill. */
const budgetSince = (t0: number, burst: number, perSecond: number) => burst + Math.ceil((perSecond * (performance.now() - t0)) / 1000);

describe('per-connection rate limits (real server)', () => {
  let srv: Server | null = null;
  const clients: TestClient[] = [];
  const signIn = async (token: string) => {
    const { client } = await TestClient.signIn(srv!.url, token);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await srv?.close();
    srv = null;
  });

  it('closes a viewer flooding bad frames with 4004; an operator on another socket still gets its e-stop acked', async () => {
    srv = await startTestServer({ heartbeatTimeoutMs: 60_000, wsLimits: wsLimits({ errorsPerSecond: 20, errorBurst: 40 }) });
    const alice = await signIn(TOKENS.alice.token);
    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    await alice.next((m) => m.type === 'ack' && m.ref === 1);
    const eve = await signIn(TOKENS.eve.token);
    const closed = eve.waitClose();
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) eve.sendRaw(Uint8Array.of(0xc1));
    expect((await within(closed, 10_000, 'the flooding viewer is closed')).code).toBe(4004);
    expect(eve.inbox.filter((m) => m.type === 'error' && m.code === 'TKO_ERR_RATE_LIMITED')).toHaveLength(1);
    // answered no more than its error budget allows before the close
    expect(eve.inbox.filter((m) => m.type === 'error' && m.code !== 'TKO_ERR_RATE_LIMITED').length).toBeLessThanOrEqual(budgetSince(t0, 40, 20));

    alice.send({ type: 'estop', robot: 'arm0', ref: 2 });
    expect(await within(alice.next((m) => m.type === 'ack' && m.ref === 2), 10_000, 'e-stop ack')).toMatchObject({ for: 'estop', robot: 'arm0' });
    expect(srv.app.fleet.get('arm0').loop.mode).toBe('ESTOP');
    expect(alice.closed).toBeNull();
    expect((await srv.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    const again = await signIn(TOKENS.eve.token); // the server takes new clients
    await again.sync();
  });

  it('closes a client over its message budget, valid frames and pings alike, with 4004', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ messagesPerSecond: 50, messageBurst: 100 }) });
    const fast = await signIn(TOKENS.alice.token);
    const closed = fast.waitClose();
    const hb = encodeMessage({ type: 'heartbeat', t: 1 });
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) fast.sendRaw(hb);
    expect((await within(closed, 10_000, 'the heartbeat flood is closed')).code).toBe(4004);
    expect(fast.inbox.find((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_RATE_LIMITED', message: expect.stringMatching(/messages/) });
    expect(fast.inbox.filter((m) => m.type === 'heartbeat_ack').length).toBeLessThanOrEqual(budgetSince(t0, 100, 50));

    const pinger = await signIn(TOKENS.bob.token);
    const pClosed = pinger.waitClose();
    // in batches, each answered before the next: ws itself cuts a client with more than 60 pongs pending (1006)
    let pongs = 0;
    pinger.ws.on('pong', () => pongs++);
    for (let sent = 0; sent < 1000 && !pinger.closed;) {
      for (let k = 0; k < 20; k++) pinger.ws.ping();
      sent += 20;
      await until(() => pongs >= sent || pinger.closed !== null, 10_000, 'pongs or the close');
    }
    expect((await within(pClosed, 10_000, 'the ping flood is closed')).code).toBe(4004);

    const calm = await signIn(TOKENS.eve.token);
    for (let i = 0; i < 20; i++) await calm.sync();
    expect(calm.closed).toBeNull();
  });

  it('closes a client over its byte budget with 4004', async () => {
    srv = await startTestServer({ wsLimits: wsLimits({ bytesPerSecond: 1000, byteBurst: 64 * 1024 }) });
    const big = await signIn(TOKENS.alice.token);
    const closed = big.waitClose();
    for (let i = 0; i < 3; i++) big.sendRaw(new Uint8Array(40_000));
    expect((await within(closed, 10_000, 'the byte flood is closed')).code).toBe(4004);
    expect(big.inbox.find((m) => m.type === 'error' && m.code === 'TKO_ERR_RATE_LIMITED')).toMatchObject({ message: expect.stringMatching(/bytes/) });
  });
});

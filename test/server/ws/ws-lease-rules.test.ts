import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../support/test-server.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('leases and e-stops (real server, ephemeral port)', () => {
  let srv: Server;
  const clients: TestClient[] = [];
  const signIn = async (token: string) => {
    const r = await TestClient.signIn(srv.url, token);
    clients.push(r.client);
    return r.client;
  };
  const loop = () => srv.app.fleet.get('arm0').loop;
  const tickAndRead = async (c: TestClient): Promise<StateFrame> => {
    c.clearStates();
    srv.tick();
    return c.next<StateFrame>(isState());
  };
  const answer = (c: TestClient, ref: number) => c.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === ref);

  beforeEach(async () => {
    srv = await startTestServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await srv.close();
  });

  it('refuses a second hello, so closing the socket frees the lease it holds', async () => {
    const alice = await signIn(TOKENS.alice.token);
    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    expect(await answer(alice, 1)).toMatchObject({ type: 'ack' });
    // a second hello, even with another valid token, does not change who this connection is
    alice.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.bob.token });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_HELLO_REPEATED', for: 'hello' });
    await alice.sync();
    expect(alice.closed).toBeNull();
    alice.send({ type: 'pause', robot: 'arm0', ref: 2 });
    expect(await answer(alice, 2)).toMatchObject({ type: 'ack' });
    expect(loop().lease).toBe('alice');
    alice.close();
    await alice.waitClose();
    await expect.poll(() => loop().lease).toBeNull();
    expect(loop().modeReason).toBe('operator_disconnected');
    // and anyone may take the robot again
    const bob = await signIn(TOKENS.bob.token);
    bob.send({ type: 'take_over', robot: 'arm0', ref: 3 });
    expect(await answer(bob, 3)).toMatchObject({ type: 'ack' });
  });

  it('holds the robot of a holder whose frame decodes but fails validation (bad_input)', async () => {
    const alice = await signIn(TOKENS.alice.token);
    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    expect(await answer(alice, 1)).toMatchObject({ type: 'ack' });
    alice.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [2, 0, 0, 0, 0, 0, 0], ref: 2 });
    expect(await answer(alice, 2)).toMatchObject({ type: 'error', code: 'TKO_ERR_INVALID_MESSAGE' });
    expect(loop()).toMatchObject({ mode: 'PAUSED', modeReason: 'bad_input', lease: 'alice' });
  });

  it("refuses a hello token that names another identity than the upgrade's (4001)", async () => {
    const c = await TestClient.connect(srv.url, TOKENS.alice.token);
    clients.push(c);
    c.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.admin.token });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_UNAUTHENTICATED' });
    expect((await c.waitClose()).code).toBe(4001);
    // the same identity twice is fine
    const same = await TestClient.connect(srv.url, TOKENS.alice.token);
    clients.push(same);
    same.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.alice.token });
    expect(await same.next((m) => m.type === 'server_info')).toMatchObject({ operator: { id: 'alice' } });
  });

  it('refuses reset_episode and mark_outcome while e-stopped; the arm does not move', async () => {
    const alice = await signIn(TOKENS.alice.token);
    alice.send({ type: 'subscribe', robots: '*' });
    alice.send({ type: 'estop', robot: 'arm0', ref: 1 });
    expect(await answer(alice, 1)).toMatchObject({ type: 'ack' });
    const before = await tickAndRead(alice);
    expect(before.mode).toBe('ESTOP');
    alice.send({ type: 'reset_episode', robot: 'arm0', seed: 9, ref: 2 });
    expect(await answer(alice, 2)).toMatchObject({ type: 'error', code: 'TKO_ERR_ESTOP_LATCHED' });
    alice.send({ type: 'mark_outcome', robot: 'arm0', outcome: 'success', ref: 3 });
    expect(await answer(alice, 3)).toMatchObject({ type: 'error', code: 'TKO_ERR_ESTOP_LATCHED' });
    const after = await tickAndRead(alice);
    expect(after.episode).toMatchObject({ id: before.episode!.id, seed: before.episode!.seed });
    expect(after.q).toEqual(before.q);
    // after the reset they work again
    alice.send({ type: 'reset_estop', robot: 'arm0', ref: 4 });
    expect(await answer(alice, 4)).toMatchObject({ type: 'ack' });
    alice.send({ type: 'reset_episode', robot: 'arm0', seed: 9, ref: 5 });
    expect(await answer(alice, 5)).toMatchObject({ type: 'ack' });
  });

  it("lets only the operator who pressed the e-stop, or an admin, reset it", async () => {
    const alice = await signIn(TOKENS.alice.token);
    const bob = await signIn(TOKENS.bob.token);
    const root = await signIn(TOKENS.admin.token);
    bob.send({ type: 'estop', robot: 'arm0', ref: 1 });
    expect(await answer(bob, 1)).toMatchObject({ type: 'ack' });
    alice.send({ type: 'reset_estop', robot: 'arm0', ref: 2 });
    const refused = await answer(alice, 2);
    expect(refused).toMatchObject({ type: 'error', code: 'TKO_ERR_FORBIDDEN' });
    expect((refused as { message: string }).message).toContain("'bob'");
    expect(loop().mode).toBe('ESTOP');
    bob.send({ type: 'reset_estop', robot: 'arm0', ref: 3 });
    expect(await answer(bob, 3)).toMatchObject({ type: 'ack' });
    expect(loop().mode).toBe('PAUSED');
    alice.send({ type: 'estop', robot: 'arm0', ref: 4 });
    expect(await answer(alice, 4)).toMatchObject({ type: 'ack' });
    root.send({ type: 'reset_estop', robot: 'arm0', ref: 5 });
    expect(await answer(root, 5)).toMatchObject({ type: 'ack' });
    expect(loop().mode).toBe('PAUSED');
  });
});

describe('estopReset: any-operator', () => {
  it("lets another operator reset an e-stop (the old rule, when configured)", async () => {
    const srv = await startTestServer({ estopReset: 'any-operator' });
    try {
      const { client: alice } = await TestClient.signIn(srv.url, TOKENS.alice.token);
      const { client: bob } = await TestClient.signIn(srv.url, TOKENS.bob.token);
      bob.send({ type: 'estop', robot: 'arm0', ref: 1 });
      await bob.next((m) => m.type === 'ack' && m.ref === 1);
      alice.send({ type: 'reset_estop', robot: 'arm0', ref: 2 });
      expect(await alice.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === 2)).toMatchObject({ type: 'ack' });
      expect(srv.app.fleet.get('arm0').loop.mode).toBe('PAUSED');
      alice.close();
      bob.close();
    } finally {
      await srv.close();
    }
  });
});

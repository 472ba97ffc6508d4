import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeMessage } from '../../../protocol/codec.ts';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../support/test-server.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('WebSocket protocol (real server, ephemeral port)', () => {
  let srv: Server;
  const clients: TestClient[] = [];
  const signIn = async (token: string) => {
    const r = await TestClient.signIn(srv.url, token);
    clients.push(r.client);
    return r;
  };
  /** ticks once and returns the state frame this client gets for it */
  const tickAndRead = async (c: TestClient, robot = 'arm0'): Promise<StateFrame> => {
    c.clearStates();
    srv.tick();
    return c.next<StateFrame>(isState(robot));
  };

  beforeEach(async () => {
    srv = await startTestServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await srv.close();
  });

  it('answers hello with the robots, their joints, limits and model', async () => {
    const { info } = await signIn(TOKENS.eve.token);
    expect(info.operator).toEqual({ id: 'eve', role: 'viewer' });
    expect(info.protocol).toBe(PROTOCOL_VERSION);
    const r = info.robots[0];
    expect(r.id).toBe('arm0');
    expect(r.jointNames).toHaveLength(6);
    expect(r.lower.every((l, i) => l < r.upper[i])).toBe(true);
    expect(info.models[r.modelKey!]?.format).toBe('geoms');
    expect(r.controlRateHz).toBe(20);
  });

  it('lets an operator take over, teleop the EE and hand back, seen in state frames', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    alice.send({ type: 'subscribe', robots: '*' });
    await alice.sync();
    const s0 = await tickAndRead(alice);
    expect(s0.mode).toBe('AUTONOMOUS');
    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    expect(await alice.next((m) => m.type === 'ack' && m.ref === 1)).toMatchObject({ for: 'take_over', robot: 'arm0' });
    const s1 = await tickAndRead(alice);
    expect(s1).toMatchObject({ mode: 'INTERVENING', lease: 'alice' });
    let y = s1.eePos[1];
    for (let i = 0; i < 5; i++) {
      alice.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [0, 1, 0, 0, 0, 0, 1] });
      await alice.sync();
      const s = await tickAndRead(alice);
      expect(s.source).toBe('operator');
      expect(s.executed?.[1]).toBe(1);
      expect(s.eePos[1]).toBeGreaterThan(y);
      y = s.eePos[1];
    }
    expect(y).toBeGreaterThan(s1.eePos[1] + 0.04);
    alice.send({ type: 'hand_back', robot: 'arm0', ref: 2 });
    await alice.next((m) => m.type === 'ack' && m.ref === 2);
    const s2 = await tickAndRead(alice);
    expect(s2).toMatchObject({ mode: 'AUTONOMOUS', lease: null });
    expect(s2.seq).toBeGreaterThan(s1.seq);
    const ev = await alice.next((m) => m.type === 'event' && m.event === 'mode' && (m.data as { mode?: string }).mode === 'AUTONOMOUS');
    expect(ev).toBeTruthy();
  });

  it('moves the EE to a pose target', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    alice.send({ type: 'subscribe', robots: ['arm0'] });
    alice.send({ type: 'take_over', robot: 'arm0' });
    await alice.sync();
    const s0 = await tickAndRead(alice);
    const target = [s0.eePos[0] + 0.05, s0.eePos[1], s0.eePos[2] - 0.05];
    alice.send({ type: 'teleop', robot: 'arm0', kind: 'pose', pos: target, quat: [1, 0, 0, 0], gripper: 0.5 });
    let s = s0;
    for (let i = 0; i < 10; i++) {
      alice.send({ type: 'heartbeat' });
      await alice.sync();
      s = await tickAndRead(alice);
    }
    expect(Math.hypot(s.eePos[0] - target[0], s.eePos[1] - target[1], s.eePos[2] - target[2])).toBeLessThan(0.002);
  });

  it('refuses a second operator, and lets an admin force the lease', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    const { client: bob } = await signIn(TOKENS.bob.token);
    const { client: root } = await signIn(TOKENS.admin.token);
    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    await alice.next((m) => m.type === 'ack');
    bob.send({ type: 'take_over', robot: 'arm0', ref: 5 });
    expect(await bob.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_LEASE_HELD', ref: 5, for: 'take_over' });
    bob.send({ type: 'take_over', robot: 'arm0', force: true, ref: 6 });
    expect(await bob.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_LEASE_HELD', ref: 6 });
    bob.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] });
    expect(await bob.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_LEASE_HELD', for: 'teleop' });
    bob.send({ type: 'hand_back', robot: 'arm0' });
    expect(await bob.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_NOT_LEASE_HOLDER' });
    root.send({ type: 'take_over', robot: 'arm0', force: true, ref: 7 });
    await root.next((m) => m.type === 'ack' && m.ref === 7);
    expect(srv.app.fleet.get('arm0').loop.lease).toBe('root');
    alice.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_LEASE_HELD' });
  });

  it("refuses a viewer's commands but streams state to it", async () => {
    const { client: eve } = await signIn(TOKENS.eve.token);
    eve.send({ type: 'subscribe', robots: '*', maxRate: 100 });
    for (const type of ['take_over', 'estop', 'pause', 'reset_episode'] as const) {
      eve.send({ type, robot: 'arm0', ref: 3 });
      expect(await eve.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_FORBIDDEN', for: type, ref: 3 });
    }
    eve.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] });
    expect(await eve.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_FORBIDDEN' });
    const s = await tickAndRead(eve);
    expect(s.mode).toBe('AUTONOMOUS');
    expect(s.lease).toBeNull();
  });

  it('holds the robot when the controlling operator goes silent', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    alice.send({ type: 'subscribe', robots: '*' });
    alice.send({ type: 'take_over', robot: 'arm0' });
    alice.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] });
    await alice.sync();
    expect((await tickAndRead(alice)).mode).toBe('INTERVENING');
    srv.tick(4); // 0.25 s after the last message: within the 0.3 s timeout
    expect(srv.app.fleet.get('arm0').loop.mode).toBe('INTERVENING');
    srv.tick(1);
    const s = await tickAndRead(alice); // 0.35 s
    expect(s).toMatchObject({ mode: 'PAUSED', modeReason: 'heartbeat_timeout', lease: 'alice', executed: null, source: 'none' });
    alice.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_BAD_TRANSITION' });
    alice.send({ type: 'resume', robot: 'arm0', ref: 9 });
    await alice.next((m) => m.type === 'ack' && m.ref === 9);
    expect((await tickAndRead(alice)).mode).toBe('INTERVENING');
  });

  it('holds and frees the lease when the holder disconnects', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    const { client: eve } = await signIn(TOKENS.eve.token);
    eve.send({ type: 'subscribe', robots: '*' });
    await eve.sync();
    alice.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    await alice.next((m) => m.type === 'ack');
    alice.close();
    await alice.waitClose();
    await eve.next((m) => m.type === 'event' && (m.data as { reason?: string }).reason === 'operator_disconnected');
    expect(await tickAndRead(eve)).toMatchObject({ mode: 'PAUSED', lease: null });
  });

  it('answers bad frames with error frames, keeps the connection, and holds the robot of a holder who sends them', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    alice.send({ type: 'take_over', robot: 'arm0' });
    await alice.next((m) => m.type === 'ack');
    alice.sendRaw('{"type":"pause"}');
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_BAD_FRAME' });
    expect(srv.app.fleet.get('arm0').loop).toMatchObject({ mode: 'PAUSED', modeReason: 'bad_input' });
    alice.sendRaw(Uint8Array.from([0x92, 0x01])); // truncated msgpack array
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_BAD_FRAME' });
    alice.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [NaN, 0, 0, 0, 0, 0, 0], ref: 4 });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_INVALID_MESSAGE', ref: 4 });
    alice.send({ type: 'self_destruct' });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_UNKNOWN_TYPE' });
    alice.sendRaw(new Uint8Array(70 * 1024));
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_FRAME_TOO_LARGE' });
    alice.send({ type: 'take_over', robot: 'nope' });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_UNKNOWN_ROBOT' });
    await alice.sync();
    expect(alice.closed).toBeNull();
  });

  it('authenticates: bad token refused at the upgrade, anything before hello closed 4003, hello without token closed 4001, wrong protocol closed 4002', async () => {
    await expect(TestClient.connect(srv.url, 'not-a-token-at-all')).rejects.toThrow(/401/);
    const early = await TestClient.connect(srv.url);
    clients.push(early);
    early.send({ type: 'subscribe', robots: '*' });
    expect(await early.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_HELLO_REQUIRED' });
    expect((await early.waitClose()).code).toBe(4003);
    const anon = await TestClient.connect(srv.url);
    clients.push(anon);
    anon.send({ type: 'hello', protocol: PROTOCOL_VERSION });
    expect(await anon.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_UNAUTHENTICATED' });
    expect((await anon.waitClose()).code).toBe(4001);
    const viaHello = await TestClient.connect(srv.url);
    clients.push(viaHello);
    viaHello.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: TOKENS.bob.token });
    expect(await viaHello.next((m) => m.type === 'server_info')).toMatchObject({ operator: { id: 'bob', role: 'operator' } });
    const old = await TestClient.connect(srv.url, TOKENS.bob.token);
    clients.push(old);
    old.send({ type: 'hello', protocol: 99 });
    expect(await old.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_PROTOCOL_VERSION' });
    expect((await old.waitClose()).code).toBe(4002);
  });

  it('latches e-stop from any operator and resets only on request', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    const { client: bob } = await signIn(TOKENS.bob.token);
    alice.send({ type: 'subscribe', robots: '*' });
    alice.send({ type: 'take_over', robot: 'arm0' });
    await alice.sync();
    bob.send({ type: 'estop', robot: 'arm0', ref: 1 });
    await bob.next((m) => m.type === 'ack');
    expect((await tickAndRead(alice)).mode).toBe('ESTOP');
    alice.send({ type: 'resume', robot: 'arm0' });
    expect(await alice.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_ESTOP_LATCHED' });
    // bob pressed it: bob (or an admin) resets it
    bob.send({ type: 'reset_estop', robot: 'arm0', ref: 2 });
    await bob.next((m) => m.type === 'ack' && m.ref === 2);
    expect((await tickAndRead(alice)).mode).toBe('PAUSED');
  });

  it('resets episodes with a seed and records verdicts', async () => {
    const { client: alice } = await signIn(TOKENS.alice.token);
    alice.send({ type: 'subscribe', robots: '*' });
    alice.send({ type: 'reset_episode', robot: 'arm0', seed: 77, ref: 1 });
    await alice.next((m) => m.type === 'ack' && m.ref === 1);
    expect((await tickAndRead(alice)).episode).toMatchObject({ seed: 77, step: 0 } );
    alice.send({ type: 'mark_outcome', robot: 'arm0', outcome: 'success', ref: 2 });
    await alice.next((m) => m.type === 'ack' && m.ref === 2);
    const end = await alice.next((m) => m.type === 'event' && m.event === 'episode_end' && m.data.outcome === 'success');
    expect(end).toMatchObject({ data: { outcome: 'success', by: 'alice' } });
    expect((await tickAndRead(alice)).episode).toMatchObject({ seed: 78 });
    // a verdict naming the episode: refused once another runs (a late mark must not end the next one), applied to its own
    const running = (await tickAndRead(alice)).episode!.id;
    alice.send({ type: 'mark_outcome', robot: 'arm0', outcome: 'failure', episodeId: `${running}-before`, ref: 3 });
    const refused = await alice.next((m) => m.type === 'error' && m.ref === 3);
    expect(refused).toMatchObject({ code: 'TKO_ERR_BAD_TRANSITION' });
    expect(String((refused as { message: string }).message)).toContain(`is not running (now ${running})`);
    expect((await tickAndRead(alice)).episode).toMatchObject({ id: running, seed: 78 });
    alice.send({ type: 'mark_outcome', robot: 'arm0', outcome: 'failure', episodeId: running, ref: 4 });
    await alice.next((m) => m.type === 'ack' && m.ref === 4);
    expect(await alice.next((m) => m.type === 'event' && m.event === 'episode_end' && m.data.outcome === 'failure')).toMatchObject({ data: { episodeId: running } });
  });

  it('limits frames to the subscribed rate and stops after unsubscribe', async () => {
    const { client: eve } = await signIn(TOKENS.eve.token);
    eve.send({ type: 'subscribe', robots: ['arm0'], maxRate: 0.1 });
    await eve.sync();
    srv.tick(3);
    await eve.sync();
    await new Promise((r) => setImmediate(r));
    await eve.sync();
    expect(eve.inbox.filter((m) => m.type === 'state').length).toBeLessThanOrEqual(1);
    eve.send({ type: 'unsubscribe', robots: '*' });
    await eve.sync();
    eve.clearStates();
    srv.tick(3);
    await new Promise((r) => setImmediate(r));
    await eve.sync();
    expect(eve.inbox.filter((m) => m.type === 'state')).toHaveLength(0);
  });

  it('closes a connection that never says hello (4001)', async () => {
    await srv.close();
    srv = await startTestServer({}, { helloTimeoutMs: 30 });
    const quiet = await TestClient.connect(srv.url, TOKENS.eve.token);
    clients.push(quiet);
    expect((await quiet.waitClose()).code).toBe(4001);
    expect(quiet.inbox[0]).toMatchObject({ type: 'error', code: 'TKO_ERR_HELLO_REQUIRED' });
  });

  it('closes clients with 1001 on shutdown', async () => {
    const { client } = await signIn(TOKENS.eve.token);
    const closed = client.waitClose();
    await srv.app.close();
    expect((await closed).code).toBe(1001);
    srv = await startTestServer(); // afterEach closes this one
  });
});

// keep the import used for type-only builds
void WebSocket;
void encodeMessage;

describe('a bridge that throws during a command', () => {
  it('e-stops the robot and answers TKO_ERR_INTERNAL; the server keeps serving', async () => {
    const srv = await startTestServer();
    try {
      const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
      client.send({ type: 'take_over', robot: 'arm0', ref: 1 });
      await client.next((m) => m.type === 'ack');
      srv.tick(1);
      const bridge = srv.app.fleet.get('arm0').loop.bridge;
      bridge.command = () => { throw new Error('link down'); };
      client.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0], ref: 2 });
      expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'TKO_ERR_INTERNAL', ref: 2 });
      expect(srv.app.fleet.get('arm0').loop.mode).toBe('ESTOP');
      await client.sync();
      client.close();
    } finally {
      await srv.close();
    }
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeClientMessage, encodeMessage } from '../../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerInfoMessage, type ServerMessage, type StateMessage } from '../../../protocol/messages.ts';
import { CommandError, TakeoverClient } from '../../../web/net/takeover-client.ts';
import { MemoryTransport, memoryFactory } from './memory-transport.ts';

const INFO: ServerInfoMessage = {
  type: 'server_info', protocol: PROTOCOL_VERSION, server: { name: 'takeover', version: '0.1.0' }, clientId: 'c1',
  operator: { id: 'alice', role: 'operator' }, heartbeatTimeoutMs: 300, maxFrameBytes: 65536, models: {}, robots: [],
};

function decode(b: Uint8Array): ClientMessage {
  const d = decodeClientMessage(b);
  if (!d.ok) throw new Error(d.message);
  return d.msg;
}

/** A client connected to a scripted fake server that answers hello with INFO. */
async function connected(opts: { commandTimeoutMs?: number; now?: () => number } = {}) {
  const t = new MemoryTransport();
  const reply = (m: ServerMessage) => t.deliver(encodeMessage(m));
  t.onSend = (b) => {
    const m = decode(b);
    if (m.type === 'hello') queueMicrotask(() => reply(m.token === 'good-token' ? INFO : { type: 'error', code: 'TKO_ERR_UNAUTHENTICATED', message: 'unknown token' }));
  };
  const client = new TakeoverClient({ transportFactory: memoryFactory(t), heartbeatIntervalMs: 0, ...opts });
  return { t, client, reply };
}

afterEach(() => vi.useRealTimers());

describe('TakeoverClient', () => {
  it('says hello with the token and resolves with server_info', async () => {
    const { t, client } = await connected();
    const info = await client.connect('ws://x/ws', 'good-token');
    expect(info.operator.id).toBe('alice');
    expect(decode(t.sent[0])).toMatchObject({ type: 'hello', protocol: PROTOCOL_VERSION, token: 'good-token' });
  });

  it('rejects the sign-in with the server error code', async () => {
    const { client } = await connected();
    await expect(client.connect('ws://x/ws', 'bad')).rejects.toMatchObject({ code: 'TKO_ERR_UNAUTHENTICATED' });
  });

  it('resolves a command on its ack and rejects on its error, matched by ref', async () => {
    const { t, client, reply } = await connected();
    await client.connect('ws://x/ws', 'good-token');
    const a = client.command({ type: 'take_over', robot: 'arm0' });
    const b = client.command({ type: 'estop', robot: 'arm0' });
    const [ma, mb] = t.sent.slice(-2).map(decode) as Array<{ ref: number }>;
    expect(ma.ref).not.toBe(mb.ref);
    reply({ type: 'error', code: 'TKO_ERR_LEASE_HELD', message: 'bob holds it', ref: ma.ref });
    reply({ type: 'ack', ref: mb.ref, for: 'estop', robot: 'arm0' });
    await expect(a).rejects.toBeInstanceOf(CommandError);
    await expect(a).rejects.toMatchObject({ code: 'TKO_ERR_LEASE_HELD' });
    await expect(b).resolves.toMatchObject({ for: 'estop' });
  });

  it('times a command out locally when the server never answers', async () => {
    const { client } = await connected({ commandTimeoutMs: 1000 });
    await client.connect('ws://x/ws', 'good-token');
    vi.useFakeTimers();
    const p = client.command({ type: 'pause', robot: 'arm0' });
    const check = expect(p).rejects.toMatchObject({ code: 'TIMEOUT' });
    vi.advanceTimersByTime(1001);
    await check;
  });

  it('emits state frames and reports undecodable ones as errors without throwing', async () => {
    const { t, client, reply } = await connected();
    await client.connect('ws://x/ws', 'good-token');
    const states: StateMessage[] = [];
    const errors: string[] = [];
    client.on('state', (s) => states.push(s));
    client.on('error', (e) => errors.push(e.code));
    const s: StateMessage = {
      type: 'state', robot: 'arm0', seq: 3, t: 0.15, wall: 1, mode: 'AUTONOMOUS', modeReason: 'start', lease: null,
      q: [0], qd: [0], eePos: [0.4, 0, 0.3], eeQuat: [1, 0, 0, 0], gripper: 0.08, jointTargets: [0], proposed: null, executed: null,
      source: 'policy', episode: null, clamped: [], objects: [], rateHz: 20, rateOk: true,
    };
    reply(s);
    t.deliver(new Uint8Array([0xc1, 0xff, 0x00]));
    expect(states.map((x) => x.seq)).toEqual([3]);
    expect(errors).toEqual(['TKO_ERR_BAD_FRAME']);
  });

  it('drops teleop while disconnected instead of queueing it, and fails pending commands on close', async () => {
    const { t, client } = await connected();
    await client.connect('ws://x/ws', 'good-token');
    const pending = client.command({ type: 'resume', robot: 'arm0' });
    const closes: number[] = [];
    client.on('close', (c) => closes.push(c.code));
    t.serverClose(1001, 'server shutting down');
    await expect(pending).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    const n = t.sent.length;
    client.teleopDelta('arm0', [1, 0, 0, 0, 0, 0, -1]);
    expect(t.sent.length).toBe(n);
    expect(closes).toEqual([1001]);
    await expect(client.command({ type: 'pause', robot: 'arm0' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('measures the heartbeat round trip from the echoed client time', async () => {
    let now = 1000;
    const { t, client, reply } = await connected({ now: () => now });
    await client.connect('ws://x/ws', 'good-token');
    client.heartbeat();
    const hb = decode(t.sent.at(-1)!) as { type: string; t: number };
    expect(hb).toMatchObject({ type: 'heartbeat', t: 1000 });
    now = 1012.5;
    reply({ type: 'heartbeat_ack', t: hb.t, serverTime: 5 });
    expect(client.latencyMs).toBeCloseTo(12.5, 6);
  });

  it('encodes teleop frames that the server codec accepts', async () => {
    const { t, client } = await connected();
    await client.connect('ws://x/ws', 'good-token');
    client.teleopDelta('arm0', new Float64Array([0.5, 0, -0.5, 0, 0, 0.1, 1]));
    client.teleopPose('arm0', [0.4, 0.1, 0.3], [1, 0, 0, 0], -1);
    const [d, p] = t.sent.slice(-2).map(decode);
    expect(d).toMatchObject({ type: 'teleop', kind: 'delta', action: [0.5, 0, -0.5, 0, 0, 0.1, 1] });
    expect(p).toMatchObject({ type: 'teleop', kind: 'pose', pos: [0.4, 0.1, 0.3], gripper: -1 });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodeClientMessage, decodeServerMessage, encodeMessage, MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES } from '../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../../protocol/messages.ts';

const raw = new Packr({ useRecords: false });
const enc = (v: unknown) => raw.pack(v);

const valid: ClientMessage[] = [
  { type: 'hello', protocol: PROTOCOL_VERSION, token: 'abc', client: 'test' },
  { type: 'subscribe', robots: '*', maxRate: 10 },
  { type: 'subscribe', robots: ['arm0', 'arm-1'] },
  { type: 'unsubscribe', robots: ['arm0'] },
  { type: 'take_over', robot: 'arm0', ref: 1 },
  { type: 'take_over', robot: 'arm0', force: true },
  { type: 'hand_back', robot: 'arm0' },
  { type: 'pause', robot: 'arm0' },
  { type: 'resume', robot: 'arm0' },
  { type: 'estop', robot: 'arm0' },
  { type: 'reset_estop', robot: 'arm0' },
  { type: 'teleop', robot: 'arm0', kind: 'delta', action: [0.5, 0, -1, 0, 0, 0.25, 1] },
  { type: 'teleop', robot: 'arm0', kind: 'pose', pos: [0.5, 0, 0.3], quat: [1, 0, 0, 0], gripper: -1, ref: 9 },
  { type: 'reset_episode', robot: 'arm0', seed: 42 },
  { type: 'mark_outcome', robot: 'arm0', outcome: 'success' },
  { type: 'heartbeat', t: 123.5 },
];

describe('codec', () => {
  it.each(valid.map((m) => [m.type, m] as const))('round-trips %s', (_t, m) => {
    const d = decodeClientMessage(encodeMessage(m));
    expect(d).toEqual({ ok: true, msg: m });
  });

  it('round-trips server messages for the console', () => {
    const msgs: ServerMessage[] = [
      { type: 'ack', ref: 3, for: 'take_over', robot: 'arm0' },
      { type: 'error', code: 'TKO_ERR_LEASE_HELD', message: 'held by bob', ref: 3, for: 'take_over' },
      { type: 'heartbeat_ack', t: 1, serverTime: 2 },
      { type: 'event', robot: 'arm0', event: 'mode', data: { mode: 'PAUSED' } },
    ];
    for (const m of msgs) expect(decodeServerMessage(encodeMessage(m))).toEqual({ ok: true, msg: m });
  });

  const bad: Array<[string, Uint8Array, string, RegExp?]> = [
    ['not msgpack', Uint8Array.from([0xc1, 0xff, 0x00]), 'TKO_ERR_BAD_FRAME'],
    ['reserved msgpack byte', Uint8Array.from([0xc1]), 'TKO_ERR_BAD_FRAME'],
    ['reserved msgpack byte as a value', Uint8Array.from([0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xc1]), 'TKO_ERR_BAD_FRAME'],
    ['reserved msgpack byte in an array', Uint8Array.from([0x91, 0xc1]), 'TKO_ERR_BAD_FRAME'],
    ['internal checker name', enc({ type: 'teleop:pose' }), 'TKO_ERR_UNKNOWN_TYPE'],
    ['truncated msgpack', enc({ type: 'pause', robot: 'arm0' }).subarray(0, 6), 'TKO_ERR_BAD_FRAME'],
    ['trailing bytes', Uint8Array.from([...enc({ type: 'heartbeat' }), 1, 2]), 'TKO_ERR_BAD_FRAME'],
    ['a bare number', enc(5), 'TKO_ERR_INVALID_MESSAGE'],
    ['an array', enc([1, 2]), 'TKO_ERR_INVALID_MESSAGE'],
    ['unknown type', enc({ type: 'launch_missiles' }), 'TKO_ERR_UNKNOWN_TYPE', /launch_missiles/],
    ['prototype key as type', enc({ type: 'constructor' }), 'TKO_ERR_UNKNOWN_TYPE'],
    ['missing type', enc({ robot: 'arm0' }), 'TKO_ERR_UNKNOWN_TYPE'],
    ['wrong field type', enc({ type: 'take_over', robot: 5 }), 'TKO_ERR_INVALID_MESSAGE', /\/robot/],
    ['bad robot id', enc({ type: 'take_over', robot: '../etc' }), 'TKO_ERR_INVALID_MESSAGE', /\/robot/],
    ['NaN', enc({ type: 'teleop', robot: 'a', kind: 'delta', action: [NaN, 0, 0, 0, 0, 0, 0] }), 'TKO_ERR_INVALID_MESSAGE', /\/action\/0/],
    ['Infinity', enc({ type: 'teleop', robot: 'a', kind: 'pose', pos: [Infinity, 0, 0], quat: [1, 0, 0, 0], gripper: 0 }), 'TKO_ERR_INVALID_MESSAGE', /\/pos\/0/],
    ['out of range action', enc({ type: 'teleop', robot: 'a', kind: 'delta', action: [2, 0, 0, 0, 0, 0, 0] }), 'TKO_ERR_INVALID_MESSAGE'],
    ['short action', enc({ type: 'teleop', robot: 'a', kind: 'delta', action: [0, 0, 0] }), 'TKO_ERR_INVALID_MESSAGE'],
    ['degenerate quaternion', enc({ type: 'teleop', robot: 'a', kind: 'pose', pos: [0, 0, 0], quat: [0, 0, 0, 0.1], gripper: 0 }), 'TKO_ERR_INVALID_MESSAGE', /quat/],
    ['extra field', enc({ type: 'pause', robot: 'a', evil: true }), 'TKO_ERR_INVALID_MESSAGE'],
    ['negative seed', enc({ type: 'reset_episode', robot: 'a', seed: -1 }), 'TKO_ERR_INVALID_MESSAGE'],
    ['bad outcome', enc({ type: 'mark_outcome', robot: 'a', outcome: 'meh' }), 'TKO_ERR_INVALID_MESSAGE'],
    ['string instead of bytes', 'hello' as unknown as Uint8Array, 'TKO_ERR_BAD_FRAME'],
    ['too large', new Uint8Array(MAX_FRAME_BYTES + 1), 'TKO_ERR_FRAME_TOO_LARGE'],
  ];
  it.each(bad)('rejects %s with a code and a message', (_name, bytes, code, msg) => {
    const d = decodeClientMessage(bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.code).toBe(code);
      expect(d.message.length).toBeGreaterThan(0);
      if (msg) expect(d.message).toMatch(msg);
    }
  });

  it('limits each direction on its own: 64 KiB to the server, 4 MiB from it', () => {
    // an event frame past the client limit, as a big server_info is
    const big = encodeMessage({ type: 'event', robot: 'arm0', event: 'mode', data: { pad: 'x'.repeat(200_000) } });
    expect(big.byteLength).toBeGreaterThan(MAX_FRAME_BYTES);
    expect(decodeServerMessage(big).ok).toBe(true);
    expect(decodeServerMessage(new Uint8Array(MAX_SERVER_FRAME_BYTES + 1))).toMatchObject({ ok: false, code: 'TKO_ERR_FRAME_TOO_LARGE' });
    expect(decodeClientMessage(new Uint8Array(MAX_FRAME_BYTES + 1))).toMatchObject({ ok: false, code: 'TKO_ERR_FRAME_TOO_LARGE' });
  });

  it('echoes the ref of a rejected command', () => {
    const d = decodeClientMessage(enc({ type: 'take_over', robot: 7, ref: 44 }));
    expect(d).toMatchObject({ ok: false, ref: 44, type: 'take_over' });
  });

  it('never throws and only lets schema-valid messages through, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const d = decodeClientMessage(bytes);
        if (d.ok) expect(decodeClientMessage(encodeMessage(d.msg))).toEqual(d);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on random msgpack objects shaped like messages', () => {
    const types = ['hello', 'teleop', 'take_over', 'subscribe', 'heartbeat', 'mark_outcome', 'x'];
    const anything = fc.anything({ withNullPrototype: false, maxDepth: 2 });
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.dictionary(fc.constantFrom('robot', 'kind', 'action', 'pos', 'quat', 'gripper', 'ref', 'robots', 'protocol', '__proto__'), anything), (type, fields) => {
        let bytes: Uint8Array;
        try {
          bytes = enc({ ...fields, type });
        } catch {
          return; // fast-check made something msgpack cannot encode
        }
        const d = decodeClientMessage(bytes);
        expect(typeof d.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

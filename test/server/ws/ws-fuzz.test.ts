import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';
import type { JointCommand } from '../../../server/robots/robot-bridge.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';

const packr = new Packr({ useRecords: false });
const TYPES = ['hello', 'subscribe', 'unsubscribe', 'take_over', 'hand_back', 'pause', 'resume', 'estop', 'reset_estop', 'teleop', 'reset_episode', 'mark_outcome', 'heartbeat', 'nonsense', ''];
const wild = fc.oneof(
  fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e300, -0), fc.integer(), fc.string({ maxLength: 12 }), fc.boolean(), fc.constant(null),
  fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity)), { maxLength: 9 }),
);

/** Frames of every kind of wrong, plus valid teleops at the edges of their ranges. */
const frame: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constantFrom(...TYPES), robot: fc.oneof(fc.constant('arm0'), fc.string({ maxLength: 8 })),
      kind: fc.constantFrom('delta', 'pose', 'x'), action: wild, pos: wild, quat: wild, gripper: wild, ref: wild, seed: wild,
      force: fc.boolean(), robots: fc.oneof(fc.constant('*'), wild), maxRate: wild, protocol: wild,
    }, { requiredKeys: ['type'] }).map((o) => packr.pack(o)),
  },
  {
    weight: 4,
    arbitrary: fc.oneof(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }).map((action) => packr.pack({ type: 'teleop', robot: 'arm0', kind: 'delta', action })),
      fc.tuple(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }))
        .map(([pos, quat]) => packr.pack({ type: 'teleop', robot: 'arm0', kind: 'pose', pos, quat, gripper: 1 })),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('take_over', 'resume', 'reset_estop').map((type) => packr.pack({ type, robot: 'arm0' })) },
);

describe('10,000 random and malformed frames', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    // this client floods on purpose: its rate budgets are off (test/server/ws/ws-rate-limit.test.ts covers them)
    const unlimited = { ...defaultConfig().wsLimits, messagesPerSecond: 0, bytesPerSecond: 0, errorsPerSecond: 0 };
    srv = await startTestServer({ heartbeatTimeoutMs: 60_000, wsLimits: unlimited });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('leave the server alive and every command within the limits', async () => {
    const rt = srv.app.fleet.get('arm0');
    const bridge = rt.loop.bridge as MockBridge;
    const f = bridge.features;
    const ee = new Float64Array(3);
    const quat = new Float64Array(4);
    const violations: string[] = [];
    bridge.onCommand = (cmd: JointCommand) => {
      for (let i = 0; i < f.lower.length; i++) {
        const q = cmd.q[i];
        if (!(Number.isFinite(q) && q >= f.lower[i] && q <= f.upper[i])) violations.push(`joint ${i} = ${q}`);
      }
      bridge.kinematics.fk(cmd.q, ee, quat);
      for (let k = 0; k < 3; k++) {
        if (!(ee[k] >= rt.limits.workspaceMin[k] - 1e-9 && ee[k] <= rt.limits.workspaceMax[k] + 1e-9)) violations.push(`ee[${k}] = ${ee[k]}`);
      }
      if (!(cmd.gripper >= -1 && cmd.gripper <= 1)) violations.push(`gripper = ${cmd.gripper}`);
    };
    const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    const frames = fc.sample(frame, { numRuns: 10_000, seed: 20261127 });
    frames.push(...Array.from({ length: 5 }, () => new Uint8Array(70_000)));
    let sent = 0;
    for (const f of frames) {
      client.sendRaw(f);
      if (++sent % 50 === 0) {
        await client.sync();
        srv.tick(1);
        client.inbox.length = 0;
        // get control back (bad frames hold the robot, random estops latch it) and push hard
        for (const type of ['reset_estop', 'resume', 'take_over'] as const) client.send({ type, robot: 'arm0' });
        for (let k = 0; k < 3; k++) client.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, -1, 1, 1, 1, -1, 1] });
      }
    }
    await client.sync();
    srv.tick(3);
    await client.sync();
    expect(bridge.commands).toBeGreaterThan(600); // the valid teleops did drive the arm
    expect(violations).toEqual([]);
    // still serving, on this connection and on new ones
    const { info } = await TestClient.signIn(srv.url, TOKENS.eve.token).then((r) => (r.client.close(), r));
    expect(info.robots).toHaveLength(1);
    expect(client.closed).toBeNull();
    client.close();
  });
});

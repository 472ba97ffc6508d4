import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../support/test-server.ts';

describe('server with the MuJoCo arm (sim kind)', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert', seed: 3 }] });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('runs the expert, then lets an operator move the EE and hand back', async () => {
    const { client, info } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    const r = info.robots[0];
    expect(r).toMatchObject({ kind: 'sim', task: 'place', policy: { name: 'scripted-expert' }, capabilities: { restoreState: true } });
    expect(r.jointNames).toHaveLength(7);
    expect(info.models[r.modelKey!]?.format).toBe('geoms');
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    const read = async () => {
      client.clearStates();
      srv.tick();
      return client.next<StateFrame>(isState());
    };
    const s0 = await read();
    for (let i = 0; i < 10; i++) await read();
    const s1 = await read();
    expect(s1.source).toBe('policy');
    expect(s1.proposed).toHaveLength(7);
    expect(s1.bodies!.length % 7).toBe(0);
    expect(Math.hypot(s1.eePos[0] - s0.eePos[0], s1.eePos[1] - s0.eePos[1], s1.eePos[2] - s0.eePos[2])).toBeGreaterThan(0.005);

    client.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    await client.next((m) => m.type === 'ack' && m.ref === 1);
    const start = await read();
    for (let i = 0; i < 10; i++) {
      client.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [0, 0, 1, 0, 0, 0, -1] });
      await client.sync();
      await read();
    }
    const end = await read();
    expect(end.mode).toBe('INTERVENING');
    // ten ticks up at 0.25 m/s x 0.05 s: about 12 cm, less tracking lag
    expect(end.eePos[2] - start.eePos[2]).toBeGreaterThan(0.06);
    expect(end.proposed).not.toBeNull(); // the policy's ghost keeps coming while the operator drives
    client.send({ type: 'hand_back', robot: 'arm0', ref: 2 });
    await client.next((m) => m.type === 'ack' && m.ref === 2);
    expect((await read()).source).toBe('policy');
    client.close();
  });
});

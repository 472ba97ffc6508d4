import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../support/test-server.ts';

describe('rewind over the WebSocket', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert', seed: 5 }] });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('restores an earlier state of the episode and leaves the sender INTERVENING; bad requests get errors', async () => {
    const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    const read = async () => {
      client.clearStates();
      srv.tick();
      return client.next<StateFrame>(isState());
    };
    const frames: StateFrame[] = [];
    for (let i = 0; i < 25; i++) frames.push(await read());
    const back = frames[5];
    // a viewer may not rewind
    const { client: eve } = await TestClient.signIn(srv.url, TOKENS.eve.token);
    eve.send({ type: 'rewind', robot: 'arm0', seconds: 0.5, ref: 1 });
    expect(await eve.next((m) => m.type === 'error' && m.ref === 1)).toMatchObject({ code: 'TKO_ERR_FORBIDDEN' });
    eve.close();
    // rewinding a robot nobody holds takes its lease, like take_over
    client.send({ type: 'rewind', robot: 'arm0', toStep: back.episode!.step, ref: 3 });
    expect(await client.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === 3)).toMatchObject({ type: 'ack', for: 'rewind' });
    // every subscriber hears which steps were undone
    expect(await client.next((m) => m.type === 'event' && m.event === 'rewind')).toMatchObject({ robot: 'arm0', data: { toStep: back.episode!.step - 1, how: 'restore', by: 'alice' } });
    // and then nobody else may rewind it
    const { client: bob } = await TestClient.signIn(srv.url, TOKENS.bob.token);
    bob.send({ type: 'rewind', robot: 'arm0', seconds: 0.2, ref: 2 });
    expect(await bob.next((m) => m.type === 'error' && m.ref === 2)).toMatchObject({ code: 'TKO_ERR_LEASE_HELD' });
    bob.close();
    // right after the rewind, before any tick, subscribers get the restored state under its own step
    const restored = await client.next<StateFrame>(isState());
    expect(restored.episode!.step).toBe(back.episode!.step);
    for (let k = 0; k < 3; k++) expect(restored.eePos[k]).toBe(back.eePos[k]);
    const after = await read();
    expect(after.mode).toBe('INTERVENING');
    for (let k = 0; k < 3; k++) expect(after.eePos[k]).toBeCloseTo(back.eePos[k], 3);

    client.send({ type: 'rewind', robot: 'arm0', ref: 4 });
    expect(await client.next((m) => m.type === 'error' && m.ref === 4)).toMatchObject({ code: 'TKO_ERR_INVALID_MESSAGE' });
    client.send({ type: 'rewind', robot: 'arm0', seconds: 3000, ref: 5 });
    expect(await client.next((m) => m.type === 'error' && m.ref === 5)).toMatchObject({ code: 'TKO_ERR_REWIND_RANGE' });
    client.send({ type: 'rewind', robot: 'arm0', seconds: -2, ref: 6 });
    expect(await client.next((m) => m.type === 'error' && m.ref === 6)).toMatchObject({ code: 'TKO_ERR_INVALID_MESSAGE' });
    client.close();
  });
});

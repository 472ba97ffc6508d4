import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedOperatorClient } from '../../../server/clients/simulated-operator-client.ts';
import { SimulatedOperator } from '../../../sim/simulated-operator.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';

describe('simulated operator as a WebSocket client of a live server', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    // an idle policy slot: the arm stands still, so only the operator can get the cube placed
    srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'idle', seed: 4 }] });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('notices the stall, takes over, rewinds, corrects over the protocol and finishes the episode', async () => {
    const client = new SimulatedOperatorClient(new SimulatedOperator('place', { rewind: true, rewindSeconds: 1 }), 'arm0');
    await client.connect(srv.url, TOKENS.alice.token);
    const loop = srv.app.fleet.robots.get('arm0')!.loop;
    const modes = new Set<string>();
    for (let i = 0; i < 600 && !loop.episodes.recent.some((e) => e.outcome === 'success'); i++) {
      srv.tick();
      modes.add(loop.mode);
      // wait until the client has answered this tick's frame and the server has taken the answer
      const seq = loop.seq;
      for (let k = 0; k < 500 && client.handledSeq < seq; k++) await new Promise((r) => setTimeout(r, 2));
    }
    client.close();
    expect(client.stats.errors).toEqual([]);
    expect(client.stats.interventions).toBeGreaterThanOrEqual(1);
    expect(client.stats.rewinds).toBeGreaterThanOrEqual(1);
    expect(client.stats.operatorSteps).toBeGreaterThan(20);
    expect(modes.has('INTERVENING')).toBe(true);
    expect(loop.episodes.recent.map((e) => e.outcome)).toContain('success');
  });
});

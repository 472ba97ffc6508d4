import { describe, expect, it } from 'vitest';
import { calibrateHelp } from '../../../policies/help-model.ts';
import { extractFeatures } from '../../../policies/observation-features.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';
import { sampleObservation, smallPolicy } from '../../policies/policy-test-fixtures.ts';
import { isState, startTestServer, TestClient, TOKENS, type StateFrame } from '../support/test-server.ts';

describe('help requests through the real server', () => {
  it("a sim robot on a version with a help model pauses, tells its subscribers, and resumes on dismiss_help", async () => {
    const srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', seed: 1, help: { action: 'pause', minTicks: 2 } }] }, { policies: true });
    try {
      // a version whose help threshold is 0: every state it has not stored is unfamiliar, so it asks
      const { manifest, weights } = smallPolicy(1);
      const d = manifest.observation.dim;
      const rows = new Float32Array(4 * d);
      for (let k = 0; k < 4; k++) extractFeatures(manifest.observation, sampleObservation(k), rows, k * d);
      const help = calibrateHelp(rows, rows, manifest.normalization);
      await new PolicyRegistry({ dataDir: srv.config.dataDir }).create({ ...manifest, help: { ...help.model, threshold: 0 } }, weights, 'asks', help.states);
      const swap = await srv.app.inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: { authorization: `Bearer ${TOKENS.alice.token}` }, payload: { version: 'asks' } });
      expect(swap.statusCode).toBe(200);

      const { client: alice } = await TestClient.signIn(srv.url, TOKENS.alice.token);
      alice.send({ type: 'subscribe', robots: ['arm0'] });
      await alice.sync();
      srv.tick(3);
      const raised = await alice.next((m) => m.type === 'event' && m.event === 'help');
      expect(raised).toMatchObject({ robot: 'arm0', data: { state: 'raised', action: 'pause', threshold: 0 } });
      const frame = await alice.next<StateFrame>((m) => isState()(m) && m.help !== undefined);
      expect(frame.mode).toBe('PAUSED');
      expect(frame.modeReason).toMatch(/^help: nearest-training-state novelty/);
      expect(frame.help).toMatchObject({ action: 'pause', threshold: 0 });
      expect(frame.help!.score).toBeGreaterThan(0);
      const status = await srv.app.inject({ method: 'GET', url: '/api/robots/arm0', headers: { authorization: `Bearer ${TOKENS.alice.token}` } });
      expect(status.json().status.help).toMatchObject({ action: 'pause', threshold: 0 });
      expect(status.json().status.helpScore).toBeGreaterThan(0);

      alice.send({ type: 'dismiss_help', robot: 'arm0', ref: 5 });
      expect(await alice.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === 5)).toMatchObject({ type: 'ack', for: 'dismiss_help' });
      expect(await alice.next((m) => m.type === 'event' && m.event === 'help')).toMatchObject({ data: { state: 'closed', answer: 'dismissed', by: 'alice' } });
      alice.clearStates();
      srv.tick(1);
      const after = await alice.next<StateFrame>(isState());
      expect(after.mode).toBe('AUTONOMOUS');
      expect(after.help).toBeUndefined();
      alice.send({ type: 'dismiss_help', robot: 'arm0', ref: 6 });
      expect(await alice.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === 6)).toMatchObject({ type: 'error', code: 'TKO_ERR_BAD_TRANSITION' });
      alice.close();
    } finally {
      await srv.close();
    }
  }, 60_000);
});

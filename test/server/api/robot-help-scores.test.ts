import { describe, expect, it } from 'vitest';
import { calibrateEnsemble, calibrateHelp } from '../../../policies/help-model.ts';
import { extractFeatures } from '../../../policies/observation-features.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';
import { sampleObservation, smallPolicy } from '../../policies/policy-test-fixtures.ts';
import { buildStateFrame } from '../../../server/control-plane/state-frame.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';

describe('help scores in the robot status of a real server', () => {
  it('GET /api/robots, /api/robots/:id, /api/status and the state frames carry the ensemble score next to the novelty; none without heads', async () => {
    const srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', seed: 1 }] }, { policies: true });
    const auth = { authorization: `Bearer ${TOKENS.alice.token}` };
    const get = async (url: string) => {
      const r = await srv.app.inject({ method: 'GET', url, headers: auth });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    const swap = async (version: string) => {
      const r = await srv.app.inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: auth, payload: { version } });
      expect(r.statusCode, r.body).toBe(200);
      srv.tick(3);
    };
    // the robot's status as each route answers it
    const frame = () => buildStateFrame(srv.app.fleet.robots.get('arm0')!, 0);
    const statuses = async () => [(await get('/api/robots/arm0')).status, (await get('/api/robots'))[0], (await get('/api/status')).robots[0]];
    try {
      const { manifest, weights } = smallPolicy(1);
      const d = manifest.observation.dim;
      const n = 6;
      const rows = new Float32Array(n * d);
      for (let k = 0; k < n; k++) extractFeatures(manifest.observation, sampleObservation(k), rows, k * d);
      const actions = new Float32Array(n * 7).map((_, i) => ((i * 37) % 11) / 11 - 0.5);
      const novelty = calibrateHelp(rows, rows, manifest.normalization);
      const ensemble = calibrateEnsemble(rows, actions, rows, manifest.normalization, { heads: 3, hidden: 8 });
      const registry = new PolicyRegistry({ dataDir: srv.config.dataDir });
      await registry.create({ ...manifest, help: { ...novelty.model, ensemble: ensemble.model, raise: 'ensemble' } }, weights, 'with-heads', novelty.states, ensemble.weights);
      await registry.create({ ...manifest, help: { ...novelty.model, raise: 'novelty' } }, weights, 'novelty-only', novelty.states);

      await swap('with-heads');
      for (const s of await statuses()) {
        expect(typeof s.helpScore).toBe('number');
        expect(typeof s.helpEnsembleScore).toBe('number');
        expect(s.helpEnsembleScore).toBeGreaterThanOrEqual(0);
      }
      // the state frame carries both (the fleet view's tiles show them)
      expect(frame()).toMatchObject({ helpScore: expect.any(Number), helpEnsembleScore: expect.any(Number) });
      await swap('novelty-only');
      for (const s of await statuses()) {
        expect(typeof s.helpScore).toBe('number');
        expect(s.helpEnsembleScore).toBeNull();
      }
      expect(typeof frame().helpScore).toBe('number');
      expect(frame()).not.toHaveProperty('helpEnsembleScore');
    } finally {
      await srv.close();
    }
  }, 60_000);
});

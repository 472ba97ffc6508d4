import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.ts';

describe('a robot configured to start on a learned policy version', () => {
  it('runs the shipped default policy from the first tick', async () => {
    const srv = await startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'default', seed: 1 }] }, { policies: true });
    try {
      const loop = srv.app.fleet.get('arm0').loop;
      expect(loop.policy?.version).toBe('default');
      const x0 = Array.from(loop.bridge.observe().eePos);
      srv.tick(10);
      expect(loop.source).toBe('policy');
      expect(loop.proposed).not.toBeNull();
      const x1 = loop.bridge.observe().eePos;
      expect(Math.hypot(x1[0] - x0[0], x1[1] - x0[1], x1[2] - x0[2])).toBeGreaterThan(0.01); // it acts on its own
      const status = await srv.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: 'Bearer admin-token-0123456789' } });
      expect(status.json().backend.policy).toMatch(/default|policy/);
      // the batched (tfjs) half of the model runs on the backend takeover chose, not tfjs's pure-JS default
      expect(status.json().backend.policy).toMatch(/; tfjs backend wasm \(wasm\)/);
    } finally {
      await srv.close();
    }
  });

  it('refuses to start with a version that does not exist, naming the robot and the version', async () => {
    await expect(startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'no-such-version' }] }, { policies: true })).rejects.toThrow(
      /robot 'arm0': policy 'no-such-version' could not be loaded/,
    );
  });

  it('refuses a version trained for another task', async () => {
    await expect(startTestServer({ robots: [{ id: 'arm0', kind: 'sim', task: 'lift', policy: 'default' }] }, { policies: true })).rejects.toThrow(
      /trained for task 'place', the robot runs 'lift'/,
    );
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../policies/backend.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import { ManualClock } from '../../server/control/clock.ts';
import { ControlLoop } from '../../server/control/control-loop.ts';
import { SimBridge } from '../../server/robots/sim-bridge.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-swap-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('hot-swap inside the server control loop', () => {
  it('switches a running robot from the default policy to another version with no tick left without a policy action', async () => {
    await initBackend({ force: '' });
    const registry = new PolicyRegistry({ dataDir });
    // a second version: the shipped default with its last layer halved (a different, valid policy)
    const def = await registry.load('default');
    const weights = def.weights.map((w, i) => (i >= def.weights.length - 2 ? w.map((x) => x * 0.5) : w.slice()));
    const { format: _f, version: _v, createdAt: _c, model: _m, help: _h, ...rest } = def.manifest; // without the help model: not what this test is about
    const v1 = await registry.create({ ...rest, parentVersion: 'default', evaluation: [] }, weights);

    const runtime = new PolicyRuntime({ source: registry });
    await runtime.assign('arm', 'default');
    const bridge = await SimBridge.create({ id: 'arm', task: 'place', seed: 3 });
    await bridge.connect();
    const clock = new ManualClock();
    const loop = new ControlLoop({
      robotId: 'arm', bridge, kinematics: bridge.kinematics, clock, rateHz: 20, task: 'place', seed: 3, autoReset: true,
      limits: { workspaceMin: [0.15, -0.5, 0.0], workspaceMax: [0.85, 0.5, 0.7], maxEeStep: 0.05 },
      policy: runtime.slotFor('arm'),
    });
    loop.start(3);
    const versions: (string | null)[] = [];
    const sources: string[] = [];
    let swap: Promise<unknown> | null = null;
    for (let t = 0; t < 200; t++) {
      if (t === 60) swap = runtime.assign('arm', v1.version);
      clock.advance(loop.dt);
      loop.tick();
      versions.push(loop.policy?.version ?? null);
      sources.push(loop.proposed ? 'proposed' : 'none');
      // let the version load proceed between ticks, as the server's scheduler does
      await new Promise((r) => setImmediate(r));
    }
    await swap;
    expect(sources.every((s) => s === 'proposed')).toBe(true);
    expect(loop.lateProposals).toBe(0);
    expect(loop.policyErrors).toBe(0);
    const first = versions.indexOf(v1.version);
    expect(first).toBeGreaterThanOrEqual(60);
    expect(versions.slice(0, first).every((v) => v === 'default')).toBe(true);
    expect(versions.slice(first).every((v) => v === v1.version)).toBe(true);
    runtime.dispose();
    await bridge.disconnect();
  });
});

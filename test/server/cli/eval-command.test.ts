import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../../policies/backend.ts';
import { PolicyRegistry, type LoadedPolicy } from '../../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../../policies/policy-runtime.ts';
import { evaluatePolicy } from '../../../server/cli/eval-command.ts';
import { ManualClock } from '../../../server/control/clock.ts';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { Fleet } from '../../../server/robots/fleet.ts';
import { SIM_LIMITS } from '../../../server/robots/sim-limits.ts';
import { smallPolicy } from '../../policies/policy-test-fixtures.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-eval-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Every policy call of a run: the EE position it saw and the action it answered (spied on the runtime both paths share). */
function spyPolicyCalls(): Array<{ ee: number[]; action: number[] }> {
  const calls: Array<{ ee: number[]; action: number[] }> = [];
  const orig = PolicyRuntime.prototype.propose;
  vi.spyOn(PolicyRuntime.prototype, 'propose').mockImplementation(function (this: PolicyRuntime, robotId, obs, out) {
    const v = orig.call(this, robotId, obs, out);
    calls.push({ ee: Array.from(obs.eePos), action: Array.from(out) });
    return v;
  });
  return calls;
}

/** A policy that answers the same action whatever it sees (zero weights: the output is the offset). */
function constantPolicy(action: number[]): LoadedPolicy {
  const { manifest, weights } = smallPolicy(1, [8]);
  const norm = { ...manifest.normalization, outputOffset: action, outputScale: action.map(() => 0.001) };
  return {
    manifest: { ...manifest, normalization: norm, format: 'takeover-policy/1', version: 'constant', createdAt: '', model: { format: 'tfjs-layers', file: 'model.json' } },
    weights: weights.map((w) => new Float32Array(w.length)),
  };
}

describe('evaluation runs the deployed control loop', () => {
  it('an action beyond the workspace is clipped by the safety filter exactly as in deployment', async () => {
    const calls = spyPolicyCalls();
    const clamped = new Set<string>();
    // straight up at full speed for the whole episode: the sim limits stop the TCP at 0.8 m
    const e = await evaluatePolicy(constantPolicy([0, 0, 1, 0, 0, 0, -1]), {
      task: 'place', episodes: 1, seedBase: 7, engine: 'js',
      onTick: (l) => l.clamped.forEach((c) => clamped.add(c)),
    });
    expect(e.successes).toBe(0);
    const zs = calls.map((c) => c.ee[2]);
    expect(zs.length).toBeGreaterThan(100);
    // it did climb to the ceiling, and not past it
    expect(Math.max(...zs)).toBeGreaterThan(SIM_LIMITS.workspaceMax[2] - 0.02);
    expect(Math.max(...zs)).toBeLessThanOrEqual(SIM_LIMITS.workspaceMax[2] + 0.005);
    expect(clamped.has('workspace')).toBe(true);
  }, 120_000);

  it('gives the same observations and executed actions as a deployed sim robot on the same seed and policy', async () => {
    await initBackend({ force: '' });
    const registry = new PolicyRegistry({ dataDir });
    const policy = await registry.load('default');
    const seed = 30_004;

    const evalCalls = spyPolicyCalls();
    const evalExecuted: number[][] = [];
    const e = await evaluatePolicy(policy, { task: 'place', episodes: 1, seedBase: seed, engine: 'js', onTick: (l) => evalExecuted.push(l.executed ? Array.from(l.executed) : []) });
    vi.restoreAllMocks();

    // deployment: a configured sim robot in a fleet, on a manual clock, running the same version
    const deployCalls = spyPolicyCalls();
    const clock = new ManualClock();
    const config = validateConfig({ ...defaultConfig(), record: false, robots: [{ id: 'arm', kind: 'sim', task: 'place', seed, policy: 'idle' }] });
    const fleet = await Fleet.create(config, { clock });
    const runtime = new PolicyRuntime({ source: registry, engine: 'js', maxBatch: 1 });
    await runtime.assign('arm', 'default');
    const loop = fleet.get('arm').loop;
    loop.policy = runtime.slotFor('arm');
    const deployExecuted: number[][] = [];
    loop.on('tick', (l) => deployExecuted.push(l.executed ? Array.from(l.executed) : []));
    await fleet.start({ schedule: false });
    const ep = loop.episode!;
    while (!ep.outcome) {
      clock.advance(loop.dt);
      fleet.tickAll();
    }
    await fleet.stop();
    runtime.dispose();

    expect(evalCalls.length).toBeGreaterThan(50);
    expect(ep.step).toBe(e.meanEpisodeLength);
    expect(deployCalls.length).toBe(evalCalls.length);
    expect(deployCalls).toEqual(evalCalls);
    expect(deployExecuted).toEqual(evalExecuted);
    expect(ep.outcome === 'success').toBe(e.successes === 1);
  }, 120_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../policies/backend.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import { JsMlpForward } from '../../policies/js-mlp-forward.ts';
import { extractFeatures } from '../../policies/observation-features.ts';
import { sampleObservation, smallPolicy } from './policy-test-fixtures.ts';

let dataDir: string;
let registry: PolicyRegistry;

/** What version `v` must answer for `obs`, computed independently of the runtime. */
async function expected(version: string, obs: ReturnType<typeof sampleObservation>): Promise<Float32Array> {
  const { manifest, weights } = await registry.load(version);
  const out = new Float32Array(7);
  new JsMlpForward(manifest.architecture, manifest.normalization, weights).predictInto(extractFeatures(manifest.observation, obs), 1, out);
  return out;
}

describe('PolicyRuntime', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-rt-'));
    registry = new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'none') });
    for (const seed of [1, 2]) {
      const { manifest, weights } = smallPolicy(seed);
      await registry.create(manifest, weights);
    }
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('runs a version-1 feature spec policy with its own (quaternion) extraction', async () => {
    const { manifest, weights } = smallPolicy(3, [16, 16], 1);
    const saved = await registry.create(manifest, weights);
    expect(registry.manifest(saved.version).observation).toMatchObject({ version: 1, dim: 45 });
    const rt = new PolicyRuntime({ source: registry });
    await rt.assign('old', saved.version);
    const obs = sampleObservation(2);
    const out = new Float32Array(7);
    rt.propose('old', obs as never, out);
    expect(Array.from(out)).toEqual(Array.from(await expected(saved.version, obs)));
    rt.dispose();
  });

  it('answers one robot with its version, the same as an independent forward pass', async () => {
    const rt = new PolicyRuntime({ source: registry });
    await rt.assign('r1', 'v1');
    const obs = sampleObservation(1);
    const out = new Float32Array(7);
    expect(rt.propose('r1', obs, out)).toBe('v1');
    const want = await expected('v1', obs);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(rt.propose('nobody', obs, out)).toBeNull();
    rt.dispose();
  });

  it('batches robots by version: one answer per robot, each from its own version', async () => {
    const rt = new PolicyRuntime({ source: registry });
    await rt.assign('a', 'v1');
    await rt.assign('b', 'v2');
    await rt.assign('c', 'v1');
    const obs = [sampleObservation(1), sampleObservation(2), sampleObservation(3), sampleObservation(4)];
    const out = new Float32Array(4 * 7);
    const versions = rt.proposeBatch(['a', 'b', 'c', 'idle'], obs, out);
    expect(versions).toEqual(['v1', 'v2', 'v1', null]);
    for (const [i, v] of [[0, 'v1'], [1, 'v2'], [2, 'v1']] as const) {
      const want = await expected(v, obs[i]);
      for (let k = 0; k < 7; k++) expect(out[i * 7 + k]).toBeCloseTo(want[k], 5);
    }
    rt.dispose();
  });

  it('leaks no tensors over 10,000 ticks (tfjs engine)', async () => {
    const rt = new PolicyRuntime({ source: registry, engine: 'tfjs' });
    await rt.assign('a', 'v1');
    await rt.assign('b', 'v2');
    const obs = [sampleObservation(1), sampleObservation(2)];
    const one = new Float32Array(7);
    const two = new Float32Array(14);
    rt.propose('a', obs[0], one);
    const baseline = tf.memory().numTensors;
    const samples: number[] = [];
    for (let t = 0; t < 10_000; t++) {
      if (t % 2) rt.propose('a', obs[0], one);
      else rt.proposeBatch(['a', 'b'], obs, two);
      if (t % 1000 === 0) samples.push(tf.memory().numTensors);
    }
    samples.push(tf.memory().numTensors);
    expect(samples.every((n) => n === baseline)).toBe(true);
    rt.dispose();
  });

  it('hot-swaps a version during a running loop without a missed tick', async () => {
    const rt = new PolicyRuntime({ source: registry, engine: 'tfjs' });
    await rt.assign('r', 'v1');
    const slot = rt.slotFor('r');
    const obs = sampleObservation(2) as unknown as Parameters<typeof slot.propose>[0];
    const [a1, a2] = [await expected('v1', sampleObservation(2)), await expected('v2', sampleObservation(2))];
    const log: { version: string | null; action: number[] | null }[] = [];
    let swapRequestedAt = -1;
    let swap: Promise<unknown> | null = null;
    // the loop: a tick per macrotask, so the async load of v2 runs between ticks
    for (let t = 0; t < 400; t++) {
      if (t === 100) {
        swapRequestedAt = t;
        swap = rt.assign('r', 'v2');
      }
      const a = slot.propose(obs, Infinity);
      log.push({ version: slot.version, action: a ? Array.from(a) : null });
      await new Promise((r) => setImmediate(r));
    }
    await swap;
    expect(log.every((l) => l.action !== null)).toBe(true);
    const firstV2 = log.findIndex((l) => l.version === 'v2');
    expect(firstV2).toBeGreaterThanOrEqual(swapRequestedAt);
    expect(log.slice(0, firstV2).every((l) => l.version === 'v1')).toBe(true);
    expect(log.slice(firstV2).every((l) => l.version === 'v2')).toBe(true);
    // each tick's action came from the version it reports
    log.slice(0, firstV2).forEach((l) => l.action!.forEach((v, i) => expect(v).toBeCloseTo(a1[i], 5)));
    log.slice(firstV2).forEach((l) => l.action!.forEach((v, i) => expect(v).toBeCloseTo(a2[i], 5)));
    expect(rt.stats().swaps).toBe(1);
    expect(rt.unloadUnused()).toEqual(['v1']);
    rt.dispose();
  });

  it('the auto engine answers a single robot without creating tensors, and batches through tfjs', async () => {
    const tensorsMadeBy = (fn: () => void) => {
      const a = tf.scalar(0);
      fn();
      const b = tf.scalar(0);
      const made = b.id - a.id - 1;
      tf.dispose([a, b]);
      return made;
    };
    const rt = new PolicyRuntime({ source: registry, engine: 'auto' });
    await rt.assign('a', 'v1');
    await rt.assign('b', 'v1');
    const obs = [sampleObservation(1), sampleObservation(2)];
    expect(tensorsMadeBy(() => rt.propose('a', obs[0], new Float32Array(7)))).toBe(0);
    expect(tensorsMadeBy(() => rt.proposeBatch(['a', 'b'], obs, new Float32Array(14)))).toBeGreaterThan(0);
    const tfOnly = new PolicyRuntime({ source: registry, engine: 'tfjs' });
    await tfOnly.assign('a', 'v1');
    expect(tensorsMadeBy(() => tfOnly.propose('a', obs[0], new Float32Array(7)))).toBeGreaterThan(0);
    rt.dispose();
    tfOnly.dispose();
  });

  it('of two swaps requested back to back, the later one wins even if the earlier loads last', async () => {
    // a source test double whose v1 loads slowly
    const slowV1 = { load: async (v: string) => (v === 'v1' && (await new Promise((r) => setTimeout(r, 30))), registry.load(v)) };
    const rt = new PolicyRuntime({ source: slowV1, engine: 'js' });
    const first = rt.assign('r', 'v1');
    const second = rt.assign('r', 'v2');
    await Promise.all([first, second]);
    expect(rt.versionOf('r')).toBe('v2');
    rt.dispose();
  });

  it('a missing version fails the assignment and leaves the robot on its old one', async () => {
    const rt = new PolicyRuntime({ source: registry, engine: 'js' });
    await rt.assign('r', 'v1');
    await expect(rt.assign('r', 'v9')).rejects.toThrow(/unknown policy version 'v9'/);
    expect(rt.propose('r', sampleObservation(), new Float32Array(7))).toBe('v1');
    rt.dispose();
  });
});

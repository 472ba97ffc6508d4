import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../policies/backend.ts';
import { PolicyRegistry, saveWeights, writePolicyFolder } from '../../policies/policy-registry.ts';
import { fileIOHandler } from '../../policies/file-io-handler.ts';
import { JsMlpForward } from '../../policies/js-mlp-forward.ts';
import { smallPolicy } from './policy-test-fixtures.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-reg-'));
  dirs.push(d);
  return d;
}

describe('PolicyRegistry', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('creates numbered versions as folders and loads the same weights back', async () => {
    const reg = new PolicyRegistry({ dataDir: tmp(), builtinDir: tmp() });
    const { manifest, weights } = smallPolicy(1);
    const m1 = await reg.create(manifest, weights);
    const m2 = await reg.create({ ...manifest, parentVersion: m1.version }, smallPolicy(2).weights);
    expect([m1.version, m2.version]).toEqual(['v1', 'v2']);
    expect(fs.readdirSync(reg.root).sort()).toEqual(['v1', 'v2']);
    expect(fs.readdirSync(path.join(reg.root, 'v1')).sort()).toEqual(['model.json', 'policy.json', 'weights.bin']);
    const loaded = await new PolicyRegistry({ dataDir: path.dirname(reg.root), builtinDir: reg.builtinDir }).load('v1');
    loaded.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(weights[i])));
    expect(reg.manifest('v2').parentVersion).toBe('v1');
    expect(reg.list().map((m) => m.version)).toEqual(['v1', 'v2']);
  });

  it('never overwrites a version and refuses bad or reserved names', async () => {
    const reg = new PolicyRegistry({ dataDir: tmp(), builtinDir: tmp() });
    const { manifest, weights } = smallPolicy();
    await reg.create(manifest, weights, 'mine');
    const before = fs.readFileSync(path.join(reg.root, 'mine', 'policy.json'), 'utf8');
    await expect(reg.create(manifest, smallPolicy(5).weights, 'mine')).rejects.toThrow(/already exists/);
    expect(fs.readFileSync(path.join(reg.root, 'mine', 'policy.json'), 'utf8')).toBe(before);
    await expect(reg.create(manifest, weights, '../escape')).rejects.toThrow(/not a valid policy version name/);
    await expect(reg.create(manifest, weights, 'default')).rejects.toThrow(/reserved/);
    expect(() => reg.manifest('nope')).toThrow(/unknown policy version 'nope'/);
  });

  it('lists shipped versions first and reads them like any other', async () => {
    const builtin = tmp();
    const { manifest, weights } = smallPolicy(3);
    const dir = path.join(builtin, 'default');
    const m = await writePolicyFolder(dir, { ...manifest, version: 'default' });
    await saveWeights(dir, m.architecture, weights);
    const reg = new PolicyRegistry({ dataDir: tmp(), builtinDir: builtin });
    await reg.create(manifest, weights);
    expect(reg.list().map((x) => x.version)).toEqual(['default', 'v1']);
    expect((await reg.load('default')).weights[0][0]).toBe(weights[0][0]);
  });

  it('reports a broken policy.json by file and field', async () => {
    const reg = new PolicyRegistry({ dataDir: tmp(), builtinDir: tmp() });
    const { manifest, weights } = smallPolicy();
    await reg.create(manifest, weights, 'x');
    const file = path.join(reg.root, 'x', 'policy.json');
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    j.controlRateHz = 'fast';
    fs.writeFileSync(file, JSON.stringify(j));
    expect(() => reg.manifest('x')).toThrow(/policy\.json: invalid policy manifest at \/controlRateHz/);
  });

  it('the model files are a standard tfjs-layers model that predicts what our forward pass does', async () => {
    const reg = new PolicyRegistry({ dataDir: tmp(), builtinDir: tmp() });
    const { manifest, weights } = smallPolicy(4);
    const m = await reg.create(manifest, weights);
    const model = await tf.loadLayersModel(fileIOHandler(reg.dirOf(m.version)));
    const x = Float32Array.from({ length: m.architecture.inputDim * 2 }, (_, i) => Math.sin(i));
    const ref = tf.tidy(() => (model.predict(tf.tensor2d(x, [2, m.architecture.inputDim])) as tf.Tensor).dataSync());
    const ours = new Float32Array(14);
    new JsMlpForward(m.architecture, m.normalization, weights).predictInto(x, 2, ours);
    ours.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    model.dispose();
  });
});

import { describe, expect, it, beforeEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, resetBackendChoiceForTests, describeBackend, backendInfo, type ModuleImporter } from '../../policies/backend.ts';

describe('initBackend', () => {
  beforeEach(() => resetBackendChoiceForTests());

  it('falls back past the absent native backends to wasm, and says why', async () => {
    const info = await initBackend({ force: '' });
    expect(info.candidate).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped.map((s) => s.candidate)).toEqual(['node-gpu', 'node']);
    expect(info.skipped.every((s) => s.reason === 'not installed')).toBe(true);
    expect(backendInfo()).toBe(info);
    expect(describeBackend()).toContain('wasm');
    const y = tf.tidy(() => tf.tensor1d([1, 2, 3]).square().dataSync());
    expect(Array.from(y)).toEqual([1, 4, 9]);
  });

  it('falls back to cpu when wasm fails to load (importer test double)', async () => {
    const brokenWasm: ModuleImporter = async (spec) => {
      if (spec.includes('wasm')) throw new Error('wasm binary unreadable');
      return import(spec);
    };
    const info = await initBackend({ force: '', importer: brokenWasm });
    expect(info.candidate).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.skipped.find((s) => s.candidate === 'wasm')?.reason).toBe('wasm binary unreadable');
  });

  it('a forced backend that is absent is an error, not a silent fallback', async () => {
    await expect(initBackend({ force: 'node' })).rejects.toThrow(/TAKEOVER_TF_BACKEND=node.*not installed/);
  });

  it('rejects an unknown backend name', async () => {
    await expect(initBackend({ force: 'tpu' })).rejects.toThrow(/'tpu' is not a backend/);
  });

  it('forcing cpu picks cpu and records that it was forced', async () => {
    const info = await initBackend({ force: 'cpu' });
    expect(info).toMatchObject({ candidate: 'cpu', tfName: 'cpu', forced: true, skipped: [] });
  });
});

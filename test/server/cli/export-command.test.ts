import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'takeover-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('takeover export', () => {
  it('exports recorded demos as a robomimic HDF5 file and prints one JSON object', async () => {
    expect((await run(['demos', '--task', 'place', '--episodes', '2', '--data-dir', dir, '--json'])).code).toBe(0);
    const file = path.join(dir, 'place.hdf5');
    const r = await run(['export', '--episodes', 'task=place,kind=demo', '--out', file, '--data-dir', dir, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ format: 'robomimic', episodes: 2, demos: 2, skipped: [] });
    expect(summary.samples).toBeGreaterThan(40);
    expect(summary.classes).toEqual({ demo: summary.samples });
    await h5wasm.ready;
    const f = new h5wasm.File(file, 'r');
    try {
      expect((f.get('data') as InstanceType<typeof h5wasm.Group>).attrs['total'].value).toBe(summary.samples);
      const a = f.get('data/demo_0/actions') as { shape: number[] };
      expect(a.shape[1]).toBe(7);
    } finally {
      f.close();
    }
  });

  it('names what is wrong with the command line, and says when nothing matches', async () => {
    const bad = await run(['export', '--episodes', 'task=place', '--out', path.join(dir, 'x.hdf5'), '--format', 'parquet', '--data-dir', dir]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--format must be robomimic/);
    const noOut = await run(['export', '--episodes', 'all', '--data-dir', dir]);
    expect([noOut.code, noOut.err]).toEqual([2, expect.stringMatching(/--out FILE.hdf5 is required/)]);
    const badQuery = await run(['export', '--episodes', 'colour=red', '--out', path.join(dir, 'x.hdf5'), '--data-dir', dir]);
    expect([badQuery.code, badQuery.err]).toEqual([2, expect.stringMatching(/unknown filter 'colour'/)]);
    const none = await run(['export', '--episodes', 'task=lift', '--out', path.join(dir, 'none.hdf5'), '--data-dir', dir]);
    expect([none.code, none.err]).toEqual([1, expect.stringMatching(/no finished episode matches 'task=lift'/)]);
    expect(existsSync(path.join(dir, 'none.hdf5'))).toBe(false);
    const nowhere = await run(['export', '--episodes', 'all', '--out', path.join(dir, 'no-such-dir', 'x.hdf5'), '--data-dir', dir]);
    expect([nowhere.code, nowhere.err]).toEqual([1, expect.stringMatching(/no-such-dir is not a writable directory/)]);
  });
});

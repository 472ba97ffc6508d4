import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../server/cli/main.ts';
import { SqliteCatalog } from '../../../recordings/sqlite-catalog.ts';
import { dataDirLayout } from '../../../recordings/data-dir.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'takeover-demos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('takeover demos', () => {
  it('records expert episodes as demos and prints one JSON object', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const code = await main(['demos', '--task', 'lift', '--episodes', '2', '--seed-base', '5', '--data-dir', dir, '--json']).finally(() => spy.mockRestore());
    expect(code).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ task: 'lift', episodes: 2, successes: 2, seed_base: 5 });
    const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
    const { items } = await catalog.list({ kind: 'demo', limit: 10, offset: 0 } as never);
    await catalog.close();
    expect(items.map((e) => e.seed).sort()).toEqual([5, 6]);
    expect(items.every((e) => e.outcome === 'success' && e.steps > 20)).toBe(true);
  });

  it('rejects a bad task with a usage error', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['demos', '--task', 'juggle', '--data-dir', dir]).finally(() => spy.mockRestore());
    expect(code).toBe(2);
  });
});

import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../web/build-console.ts';

describe('ensureConsoleBuilt', () => {
  it('concurrent callers end with one complete build in web/dist', async () => {
    const results = await Promise.all([ensureConsoleBuilt({ rebuildStale: true }), ensureConsoleBuilt({ rebuildStale: true })]);
    expect(results[0].dir).toBe(results[1].dir);
    expect(statSync(`${results[0].dir}/index.html`).size).toBeGreaterThan(100);
    // up to date now: a second call does not build again
    expect((await ensureConsoleBuilt({ rebuildStale: true })).built).toBe(false);
    // A full build took over 60 s on a loaded 2-core machine: this checks the result, not the speed.
  }, 300_000);
});

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const ALLOWED_PACKAGES = ['@sinclair/typebox', 'msgpackr'];

/** Every module the console pulls in through messages.ts and codec.ts, and what each imports. */
function closure(entry: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(entry)) return seen;
  const src = readFileSync(entry, 'utf8');
  const specs = [...src.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]);
  seen.set(entry, specs);
  for (const s of specs) if (s.startsWith('.')) closure(join(dirname(entry), s), seen);
  return seen;
}

describe('protocol is browser-safe', () => {
  it('messages.ts and codec.ts import only TypeBox, msgpackr and Node-free modules of protocol/ and core/', () => {
    const mods = closure(join(root, 'protocol/codec.ts'));
    closure(join(root, 'protocol/messages.ts'), mods);
    closure(join(root, 'protocol/camera-codec.ts'), mods);
    for (const [file, specs] of mods) {
      const rel = file.slice(root.length + 1);
      expect(rel.startsWith('protocol/') || rel.startsWith('core/'), rel).toBe(true);
      for (const s of specs) {
        if (s.startsWith('.')) continue;
        expect(ALLOWED_PACKAGES.some((p) => s === p || s.startsWith(`${p}/`)), `${rel} imports ${s}`).toBe(true);
      }
    }
    expect(mods.size).toBeGreaterThanOrEqual(4);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveServerId, SERVER_ID_FILE } from '../../../server/config/server-id.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tko-sid-'));
  dirs.push(d);
  return d;
};

describe('resolveServerId', () => {
  it('takes the configured id, else makes one once and keeps it in the data dir', () => {
    const dir = temp();
    expect(resolveServerId('cell-a', dir)).toBe('cell-a');
    const made = resolveServerId(undefined, dir);
    expect(made).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{6}$/);
    expect(readFileSync(join(dir, SERVER_ID_FILE), 'utf8').trim()).toBe(made);
    expect(resolveServerId(undefined, dir)).toBe(made);
    // two data dirs on one host (two servers) get two ids
    expect(resolveServerId(undefined, temp())).not.toBe(made);
  });

  it('names the file when it holds something that is not an id', () => {
    const dir = temp();
    writeFileSync(join(dir, SERVER_ID_FILE), '../etc\n');
    expect(() => resolveServerId(undefined, dir)).toThrow(/server-id holds '\.\.\/etc', not a server id/);
  });
});

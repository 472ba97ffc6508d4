import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

describe('takeover serve', () => {
  it('starts from a config file, creates and prints an admin token, serves, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takeover-serve-'));
    const cfg = join(dir, 'takeover.config.yaml');
    writeFileSync(cfg, 'robots:\n  - { id: m0, kind: mock }\nrecord: false\nlogLevel: warn\n');
    const child = spawn(process.execPath, [join(root, 'bin/takeover.js'), 'serve', '--config', cfg, '--port', '0', '--data-dir', join(dir, 'data'), '--no-build', '--json'], {
      cwd: dir, env: { ...process.env, TAKEOVER_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const line = await new Promise<string>((resolveLine, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolveLine(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const started = JSON.parse(line) as { url: string; robots: string[] };
    expect(started.robots).toEqual(['m0']);
    const token = JSON.parse(readFileSync(join(dir, 'data', 'tokens.json'), 'utf8'))[0].token as string;
    expect(stderr).toContain(token); // printed once for the operator to copy
    const status = await fetch(`${started.url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect((await status.json()).robots[0].id).toBe('m0');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

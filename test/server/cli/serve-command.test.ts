import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

describe('takeover serve', () => {
  it('starts from a config file, creates and prints an admin token, serves, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
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
    // printed once for the operator to copy; the file keeps only its digest
    const token = await vi.waitFor(() => /shown only now\):\n {2}(\S+)\n/.exec(stderr)![1]);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(join(dir, 'data', 'tokens.json'), 'utf8')).not.toContain(token);
    const status = await fetch(`${started.url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect((await status.json()).robots[0].id).toBe('m0');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

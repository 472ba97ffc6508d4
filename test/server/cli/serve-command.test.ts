import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

describe('takeover serve', () => {
  it('starts from a config file, prints a new admin token in a banner, serves without request log lines, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takeover-serve-'));
    const cfg = join(dir, 'takeover.config.yaml');
    writeFileSync(cfg, 'robots:\n  - { id: m0, kind: mock }\nrecord: false\nlogLevel: info\n');
    const child = spawn(process.execPath, [join(root, 'bin/takeover.js'), 'serve', '--config', cfg, '--port', '0', '--data-dir', join(dir, 'data'), '--no-build', '--json'], {
      cwd: dir, env: { ...process.env, TAKEOVER_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let stdout = '';
    const line = await new Promise<string>((resolveLine, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        const started = stdout.split('\n').find((l) => l.startsWith('{"url"'));
        if (started) resolveLine(started);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const started = JSON.parse(line) as { url: string; robots: string[] };
    expect(started.robots).toEqual(['m0']);
    // printed once for the operator to copy, in a banner of plain lines; the file keeps only its digest
    const banner = await vi.waitFor(() => /\n(={72})\n([\s\S]*?)\n={72}\n/.exec(stderr)![2]);
    expect(banner).toContain('ADMIN TOKEN');
    expect(banner.split('\n').some((l) => l.startsWith('{'))).toBe(false);
    const token = /\n {6}(\S+)\n/.exec(banner)![1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(join(dir, 'data', 'tokens.json'), 'utf8')).not.toContain(token);
    const status = await fetch(`${started.url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect((await status.json()).robots[0].id).toBe('m0');
    // at the default level a request leaves no log line (Fastify's "incoming request" / "request completed")
    await fetch(`${started.url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => setTimeout(r, 500));
    const logs = stdout + stderr;
    expect(logs).not.toMatch(/incoming request|request completed|"reqId"/);
    expect(logs).toMatch(/"level":30/); // info lines do get through: the check above can fail
    // --json: stdout holds the one JSON object, the logs went to stderr
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/"level":30/);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits with an error naming the taken port instead of leaving its threads running', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takeover-serve-'));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      writeFileSync(join(dir, 'c.yaml'), 'robots:\n  - { id: m0, kind: mock }\nrecord: true\nsafetySocket: { port: 0 }\n');
      const child = spawn(process.execPath, [join(root, 'bin/takeover.js'), 'serve', '--config', join(dir, 'c.yaml'), '--port', String(taken), '--data-dir', join(dir, 'data'), '--no-build'], {
        cwd: dir, env: { ...process.env, TAKEOVER_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // the control and safety threads were up when listen failed: they must not keep the process alive
      const code = await new Promise<number | string | null>((r) => {
        const timer = setTimeout(() => r('still running after 120 s'), 120_000);
        child.once('exit', (c) => (clearTimeout(timer), r(c)));
      });
      if (code === 'still running after 120 s') child.kill('SIGKILL');
      expect(code, stderr).not.toBe(0);
      expect(code, stderr).not.toBe('still running after 120 s');
      expect(stderr).toMatch(new RegExp(`EADDRINUSE.*${taken}`));
    } finally {
      blocker.close();
    }
  });
});

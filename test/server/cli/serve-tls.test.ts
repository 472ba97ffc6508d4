import { execFileSync, spawn } from 'node:child_process';
import { get } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage } from '../../../protocol/codec.ts';
import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';

const root = resolve(import.meta.dirname, '../../..');
const TOKEN = 'tls-secret-token-0123456789';
/** every character percent-encoded: what a log must not show either */
const pct = (s: string) => [...s].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

function httpsGet(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((done, reject) => {
    get(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function wssHello(url: string, ca: Buffer): Promise<string> {
  const ws = new WebSocket(url, { ca });
  return new Promise((done, reject) => {
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('open', () => ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION })));
    ws.on('message', (data: Buffer) => {
      const d = decodeServerMessage(new Uint8Array(data));
      if (d.ok) {
        ws.close();
        done(d.msg.type);
      }
    });
  });
}

describe('takeover serve --tls-cert --tls-key', () => {
  it('serves HTTPS and WSS with a self-signed certificate, and never logs a token, however it is encoded', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takeover-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
    const ca = readFileSync(cert);
    const cfg = join(dir, 'takeover.config.json');
    // request lines (where URL tokens would show) are logged at debug only
    writeFileSync(cfg, JSON.stringify({ robots: [{ id: 'm0', kind: 'mock' }], record: false, logLevel: 'debug', tokens: [{ name: 'ann', role: 'operator', token: TOKEN }] }));
    const child = spawn(process.execPath, [
      join(root, 'bin/takeover.js'), 'serve', '--config', cfg, '--port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'data'),
      '--tls-cert', cert, '--tls-key', key, '--no-build', '--json',
    ], { cwd: dir, env: { ...process.env, TAKEOVER_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const exitedEarly = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`))));
      exitedEarly.catch(() => {}); // it also rejects on the exit the test causes
      const started = await Promise.race([exitedEarly, vi.waitFor(() => {
        const line = stdout.split('\n').find((l) => l.startsWith('{"url"'));
        if (!line) throw new Error('not started yet');
        return JSON.parse(line) as { url: string };
      }, { timeout: 150_000, interval: 50 })]);
      expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

      expect(await httpsGet(`${started.url}/api/health`, ca)).toMatchObject({ status: 200 });
      // a percent-encoded parameter name authenticates like the plain one (the query parser decodes it)...
      expect((await httpsGet(`${started.url}/api/status?%74oken=${pct(TOKEN)}`, ca)).status).toBe(200);
      expect((await httpsGet(`${started.url}/api/status`, ca, { authorization: `bearer ${TOKEN}` })).status).toBe(200);
      expect(await wssHello(`${started.url.replace('https', 'wss')}/ws?token=${pct(TOKEN)}`, ca)).toBe('server_info');

      // ...and is redacted in the request log all the same
      await vi.waitFor(() => expect(stdout + stderr).toContain('/ws?token=***'), { timeout: 10_000 });
      expect(stdout + stderr).toContain('/api/status?%74oken=***');
      expect(stdout + stderr).not.toContain(TOKEN);
      expect(stdout + stderr).not.toContain(pct(TOKEN));
      expect((stdout + stderr).toLowerCase()).not.toContain(pct(TOKEN).slice(0, 12).toLowerCase());
      expect(stderr).not.toContain(TOKEN);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});

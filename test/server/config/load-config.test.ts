import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config/load-config.ts';
import { resolveTokens } from '../../../server/auth/resolve-tokens.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'takeover-cfg-'));

describe('loadConfig', () => {
  it('defaults: one sim arm on place, loopback:8080, 20 Hz', () => {
    const c = loadConfig({}, {}, dir());
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, controlRateHz: 20, heartbeatTimeoutMs: 1000, dataDir: './data' });
    expect(c.robots).toEqual([{ id: 'arm0', kind: 'sim', task: 'place', policy: 'default' }]);
  });

  it('layers file < env < flags', () => {
    const d = dir();
    writeFileSync(join(d, 'takeover.config.yaml'), 'port: 9000\nhost: 0.0.0.0\ncontrolRateHz: 30\nrobots:\n  - { id: a0, kind: mock }\n');
    expect(loadConfig({}, {}, d)).toMatchObject({ port: 9000, host: '0.0.0.0', controlRateHz: 30, robots: [{ id: 'a0', kind: 'mock' }] });
    expect(loadConfig({}, { TAKEOVER_PORT: '9100', TAKEOVER_CONTROL_RATE: '50' }, d)).toMatchObject({ port: 9100, controlRateHz: 50 });
    expect(loadConfig({ port: 9200 }, { TAKEOVER_PORT: '9100' }, d).port).toBe(9200);
  });

  it('merges a file\'s overload limits over their defaults', () => {
    const d = dir();
    writeFileSync(join(d, 'takeover.config.yaml'), 'wsLimits:\n  messagesPerSecond: 50\nrestLimits:\n  writeMax: 5\n');
    const c = loadConfig({}, {}, d);
    expect(c.wsLimits).toMatchObject({ messagesPerSecond: 50, messageBurst: 2000, maxConnections: 512 });
    expect(c.restLimits).toEqual({ timeWindowMs: 1000, readMax: 1000, writeMax: 5 });
    writeFileSync(join(d, 'takeover.config.yaml'), 'wsLimits:\n  byteBurst: 10\n');
    expect(() => loadConfig({}, {}, d)).toThrow(/wsLimits\/byteBurst/);
  });

  it('replicates robots with --robots N and spreads seeds', () => {
    const c = loadConfig({ robots: 3, seed: 5 }, {}, dir());
    expect(c.robots.map((r) => [r.id, r.seed, r.kind])).toEqual([['arm0', 5, 'sim'], ['arm1', 1005, 'sim'], ['arm2', 2005, 'sim']]);
  });

  it('reads tokens from TAKEOVER_TOKENS', () => {
    const c = loadConfig({}, { TAKEOVER_TOKENS: 'ann:operator:0123456789abcdefXYZ,viv:viewer:abcdefabcdefabcdef' }, dir());
    expect(c.tokens).toEqual([{ name: 'ann', role: 'operator', token: '0123456789abcdefXYZ' }, { name: 'viv', role: 'viewer', token: 'abcdefabcdefabcdef' }]);
  });

  it('reads an objectStore block, and names what is wrong in it', () => {
    const d = dir();
    const f = join(d, 'store.json');
    expect(loadConfig({}, {}, d).objectStore).toBeUndefined();
    writeFileSync(f, JSON.stringify({ objectStore: { bucket: 'journals', prefix: 'cell-a/', endpoint: 'http://minio.lab:9000', forcePathStyle: true, keepLocal: false } }));
    expect(loadConfig({ config: f }, {}, d).objectStore).toEqual({ bucket: 'journals', prefix: 'cell-a/', endpoint: 'http://minio.lab:9000', forcePathStyle: true, keepLocal: false });
    writeFileSync(f, JSON.stringify({ objectStore: { bucket: 'Journals_A' } }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/objectStore\/bucket/);
    writeFileSync(f, JSON.stringify({ objectStore: { bucket: 'journals', endpoint: 'minio.lab:9000' } }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/objectStore\/endpoint/);
    writeFileSync(f, JSON.stringify({ objectStore: { bucket: 'journals', accessKeyId: 'AKIA...' } }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/objectStore/);
  });

  it('names what is wrong', () => {
    const d = dir();
    const f = join(d, 'bad.json');
    writeFileSync(f, JSON.stringify({ port: 'eighty', robots: [] }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/\/port/);
    writeFileSync(f, JSON.stringify({ robots: [{ id: 'x', kind: 'mock' }, { id: 'x', kind: 'mock' }] }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/'x' appears twice/);
    writeFileSync(f, '{ not json');
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/does not parse/);
    writeFileSync(f, JSON.stringify({ robots: [{ id: 'x', kind: 'mock', help: { action: 'panic' } }] }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/robots\/0\/help\/action/);
    writeFileSync(f, JSON.stringify({ robots: [{ id: 'x', kind: 'mock', help: { action: 'slow', slowScale: 0 } }] }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/robots\/0\/help\/slowScale/);
    expect(() => loadConfig({ config: join(d, 'missing.json') }, {}, d)).toThrow(/cannot read/);
    expect(() => loadConfig({}, { TAKEOVER_PORT: 'x' }, d)).toThrow(/TAKEOVER_PORT/);
    writeFileSync(f, JSON.stringify({ tokens: [{ name: 'a', role: 'root', token: '0123456789abcdef' }] }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/tokens/);
  });
});

describe('resolveTokens', () => {
  it('creates one admin token on first start, private, and reuses it after', () => {
    const d = dir();
    const first = resolveTokens([], d);
    expect(first.created).toMatchObject({ name: 'admin', role: 'admin' });
    expect(first.created!.token.length).toBeGreaterThanOrEqual(24);
    expect(statSync(first.source).mode & 0o777).toBe(0o600);
    expect(first.store.lookup(first.created!.token)).toEqual({ name: 'admin', role: 'admin' });
    const again = resolveTokens([], d);
    expect(again.created).toBeNull();
    expect(again.store.lookup(first.created!.token)?.role).toBe('admin');
    const stored = JSON.parse(readFileSync(first.source, 'utf8'));
    expect(stored.tokens).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(first.created!.token); // a digest, never the token
  });

  it('uses configured tokens and never writes a file then', () => {
    const d = dir();
    const r = resolveTokens([{ name: 'ann', role: 'operator', token: '0123456789abcdef' }], d);
    expect(r.created).toBeNull();
    expect(r.store.lookup('0123456789abcdef')).toEqual({ name: 'ann', role: 'operator' });
    expect(r.store.lookup('0123456789abcdeX')).toBeNull();
    expect(r.store.lookup('')).toBeNull();
  });
});

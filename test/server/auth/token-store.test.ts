import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resolveTokens } from '../../../server/auth/resolve-tokens.ts';
import { readTokenFile, tokenFileWatch, tokensFile, writeTokenFile } from '../../../server/auth/token-file.ts';
import { TokenStore, tokenRecord } from '../../../server/auth/token-store.ts';
import { TokenUsage, readTokenUsage, tokenUsageFile } from '../../../server/auth/token-usage.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'takeover-tokens-'));

describe('TokenStore', () => {
  it('keeps salted digests only: two records of the same token differ, both match it, nothing else does', () => {
    const a = tokenRecord('ann', 'operator', 'same-token-0123456789');
    const b = tokenRecord('bob', 'viewer', 'same-token-0123456789');
    expect(a.salt).not.toBe(b.salt);
    expect(a.sha256).not.toBe(b.sha256);
    expect(JSON.stringify([a, b])).not.toContain('same-token');
    const store = new TokenStore([a]);
    expect(store.lookup('same-token-0123456789')).toEqual({ name: 'ann', role: 'operator' });
    expect(store.lookup('same-token-012345678')).toBeNull();
    expect(store.lookup('')).toBeNull();
    expect(store.lookup(null)).toBeNull();
    expect(store.lookup('x'.repeat(300))).toBeNull();
  });

  it('reports each successful use (last-used bookkeeping) and no failed one', () => {
    const used: string[] = [];
    const store = TokenStore.fromPlain([{ name: 'ann', role: 'admin', token: 'ann-token-0123456789' }], { onUse: (n) => used.push(n) });
    store.lookup('ann-token-0123456789');
    store.lookup('nope-token-0123456789');
    expect(used).toEqual(['ann']);
  });
});

describe('tokens file', () => {
  it('migrates a plain-text file on load: rewrites it as digests (0600), the tokens keep working, and says so', () => {
    const d = dir();
    const file = tokensFile(d);
    const plain = [{ name: 'admin', role: 'admin', token: 'legacy-admin-token-0123' }, { name: 'ann', role: 'operator', token: 'legacy-ann-token-01234' }];
    writeFileSync(file, JSON.stringify(plain), { mode: 0o644 });
    const logs: string[] = [];
    const r = resolveTokens([], d, (_level, msg) => logs.push(msg));
    expect(r.migrated).toBe(2);
    expect(r.created).toBeNull();
    expect(logs.join('\n')).toMatch(/2 token\(s\) in plain text; rewrote it with salted SHA-256 digests/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('legacy-admin-token-0123');
    expect(text).not.toContain('legacy-ann-token-01234');
    expect(JSON.parse(text)).toMatchObject({ version: 2, tokens: [{ name: 'admin', role: 'admin' }, { name: 'ann', role: 'operator' }] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(r.store.lookup('legacy-ann-token-01234')).toEqual({ name: 'ann', role: 'operator' });
    // a second start finds digests: nothing to migrate, same tokens
    const again = resolveTokens([], d, (_l, msg) => logs.push(msg));
    expect(again.migrated).toBe(0);
    expect(again.store.lookup('legacy-admin-token-0123')?.role).toBe('admin');
  });

  it('names the bad field of a broken file', () => {
    const d = dir();
    writeFileSync(tokensFile(d), JSON.stringify({ version: 2, tokens: [{ name: 'a', role: 'root', created: 'x', salt: 'AAAAAAAAAAAAAAAAAAAAAA', sha256: 'A'.repeat(43) }] }));
    expect(() => readTokenFile(tokensFile(d))).toThrow(/tokens\.json: \/tokens\/0\/role/);
  });

  it('a running store picks up a changed file (a revoke takes effect without a restart)', () => {
    const d = dir();
    const file = tokensFile(d);
    writeTokenFile(file, [tokenRecord('ann', 'operator', 'ann-token-0123456789'), tokenRecord('bob', 'operator', 'bob-token-0123456789')]);
    const store = new TokenStore(readTokenFile(file).records, { refresh: tokenFileWatch(file, () => {}, 0) });
    expect(store.lookup('bob-token-0123456789')?.name).toBe('bob');
    writeTokenFile(file, readTokenFile(file).records.filter((r) => r.name !== 'bob'));
    expect(store.lookup('bob-token-0123456789')).toBeNull();
    expect(store.lookup('ann-token-0123456789')?.name).toBe('ann');
  });

  it('a file that stops parsing keeps the last good tokens and reports why', () => {
    const d = dir();
    const file = tokensFile(d);
    writeTokenFile(file, [tokenRecord('ann', 'operator', 'ann-token-0123456789')]);
    const errors: string[] = [];
    const store = new TokenStore(readTokenFile(file).records, { refresh: tokenFileWatch(file, (e) => errors.push(e.message), 0) });
    writeFileSync(file, '{ not json');
    expect(store.lookup('ann-token-0123456789')?.name).toBe('ann');
    expect(errors[0]).toMatch(/cannot read .*tokens\.json/);
  });
});

describe('TokenUsage', () => {
  it('writes last-used times at most once per interval, not per use, and on close', async () => {
    vi.useFakeTimers();
    try {
      const d = dir();
      const file = tokenUsageFile(d);
      const u = new TokenUsage(file, { flushEveryMs: 60_000 });
      u.touch('ann', Date.parse('2026-01-01T00:00:00Z'));
      u.touch('ann', Date.parse('2026-01-01T00:00:01Z'));
      expect(readTokenUsage(file)).toEqual({}); // nothing written per request
      await vi.advanceTimersByTimeAsync(60_000);
      await u.flush();
      expect(readTokenUsage(file)).toEqual({ ann: '2026-01-01T00:00:01.000Z' });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      u.touch('bob', Date.parse('2026-01-01T00:00:05Z'));
      await u.close();
      expect(readTokenUsage(file)).toMatchObject({ bob: '2026-01-01T00:00:05.000Z' });
      expect(new TokenUsage(file).lastUsed('ann')).toBe('2026-01-01T00:00:01.000Z');
    } finally {
      vi.useRealTimers();
    }
  });
});

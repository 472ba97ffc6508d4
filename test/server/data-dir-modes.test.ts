import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/test-server.ts';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('data dir permissions', () => {
  it('creates the data dir 0700 and its catalog, journals, tokens and audit files 0600', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'takeover-modes-')), 'data');
    const srv = await startTestServer({ dataDir, record: true, tokens: [] }, { recorder: undefined });
    try {
      srv.tick(5);
      const res = await fetch(`http://127.0.0.1:${srv.port}/api/status`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
      expect(res.status).toBe(401); // an audit line
    } finally {
      await srv.app.close();
      await srv.close();
    }
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'episodes'))).toBe(0o700);
    expect(mode(join(dataDir, 'catalog.sqlite'))).toBe(0o600);
    const journals = readdirSync(join(dataDir, 'episodes'));
    expect(journals.length).toBeGreaterThan(0);
    for (const j of journals) expect(mode(join(dataDir, 'episodes', j)), j).toBe(0o600);
    for (const f of ['tokens.json', 'audit.log']) expect(mode(join(dataDir, f)), f).toBe(0o600);
  });
});

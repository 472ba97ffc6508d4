import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../server/cli/main.ts';
import { startTestServer } from '../support/test-server.ts';

/** Runs `takeover tokens ...` in-process; returns exit code and what it printed. */
async function tokens(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    const code = await main(['tokens', ...args, '--data-dir', dataDir]);
    return { code, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('takeover tokens', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>> | null = null;
  afterEach(async () => {
    await srv?.close();
    srv = null;
  });

  it('adds (shown once), lists (never the secret) and revokes; each change is audited', async () => {
    const d = join(mkdtempSync(join(tmpdir(), 'takeover-tokens-cli-')), 'data');
    const add = await tokens(d, 'add', '--name', 'ann', '--role', 'operator', '--json');
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout);
    expect(created).toMatchObject({ name: 'ann', role: 'operator', token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    // the data dir is created owner-only, the file holds no secret
    expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(statSync(join(d, 'tokens.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d, 'tokens.json'), 'utf8')).not.toContain(created.token);
    const text = await tokens(d, 'add', '--name', 'vic', '--role', 'viewer');
    expect(text.stdout).toMatch(/created token 'vic' \(viewer\); it is shown only now, copy it:\n {2}\S{32}\n/);

    const list = await tokens(d, 'list', '--json');
    expect(JSON.parse(list.stdout).tokens).toEqual([
      { name: 'ann', role: 'operator', created: created.created, lastUsed: null },
      { name: 'vic', role: 'viewer', created: expect.any(String), lastUsed: null },
    ]);
    expect(list.stdout).not.toContain(created.token);
    expect((await tokens(d, 'list')).stdout).toMatch(/^NAME\s+ROLE\s+CREATED\s+LAST USED\nann\s+operator\s+\S+\s+never\nvic\s+viewer/);

    expect(await tokens(d, 'revoke', 'ann')).toMatchObject({ code: 0, stdout: expect.stringMatching(/revoked token 'ann'/) });
    expect(JSON.parse((await tokens(d, 'list', '--json')).stdout).tokens.map((t: { name: string }) => t.name)).toEqual(['vic']);
    const audit = readFileSync(join(d, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((r) => `${r.type} ${r.name}`)).toEqual(['token_add ann', 'token_add vic', 'token_revoke ann']);
    expect(audit[0].actor).toMatch(/^cli:/);
    expect(JSON.stringify(audit)).not.toContain(created.token);
  });

  it('refuses bad input with a message naming it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'takeover-tokens-cli-'));
    expect(await tokens(d, 'add', '--name', 'a b', '--role', 'operator')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--name must be/) });
    expect(await tokens(d, 'add', '--name', 'ann', '--role', 'root')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--role must be one of viewer, operator, admin, got 'root'/) });
    expect((await tokens(d, 'add', '--name', 'ann', '--role', 'admin')).code).toBe(0);
    expect(await tokens(d, 'add', '--name', 'ann', '--role', 'admin')).toMatchObject({ code: 2, stderr: expect.stringMatching(/'ann' exists already/) });
    expect(await tokens(d, 'revoke', 'nobody')).toMatchObject({ code: 1, stderr: expect.stringMatching(/no token named 'nobody'/) });
    expect(await tokens(d, 'frobnicate')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown tokens subcommand 'frobnicate'/) });
  });

  it('migrates a plain-text file it finds', async () => {
    const d = mkdtempSync(join(tmpdir(), 'takeover-tokens-cli-'));
    writeFileSync(join(d, 'tokens.json'), JSON.stringify([{ name: 'admin', role: 'admin', token: 'plain-admin-token-0123' }]));
    const list = await tokens(d, 'list', '--json');
    expect(JSON.parse(list.stdout).tokens).toMatchObject([{ name: 'admin', role: 'admin' }]);
    expect(readFileSync(join(d, 'tokens.json'), 'utf8')).not.toContain('plain-admin-token-0123');
  });

  it('a running server accepts an added token and refuses a revoked one without a restart, and records its last use', async () => {
    let adminToken = '';
    srv = await startTestServer({ tokens: [] }, { onTokenCreated: (t) => (adminToken = t.token) });
    const d = srv.config.dataDir;
    const status = (token: string) => fetch(`http://127.0.0.1:${srv!.port}/api/status`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await status(adminToken)).toBe(200);
    const ann = JSON.parse((await tokens(d, 'add', '--name', 'ann', '--role', 'viewer', '--json')).stdout).token as string;
    await vi.waitFor(async () => expect(await status(ann)).toBe(200), { timeout: 10_000, interval: 100 });
    await tokens(d, 'revoke', 'ann');
    await vi.waitFor(async () => expect(await status(ann)).toBe(401), { timeout: 10_000, interval: 100 });
    // last-used times are persisted on close (and at most once a minute before)
    await srv.app.close();
    const rows = JSON.parse((await tokens(d, 'list', '--json')).stdout).tokens;
    expect(rows).toEqual([{ name: 'admin', role: 'admin', created: expect.any(String), lastUsed: expect.any(String) }]);
  });
});

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { openPgPool } from '../../../database/pg-pool.ts';
import { AuditLog } from '../../../server/audit/audit-log.ts';
import { PgAuditLog } from '../../../server/audit/pg-audit-log.ts';
import { auditRecord } from '../../../server/audit/audit-record.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';
import { main } from '../../../server/cli/main.ts';

let pg: TestPg;
beforeAll(async () => {
  pg = await startTestPg();
});
afterAll(async () => {
  await pg?.stop();
});

const at = (h: number) => new Date(Date.UTC(2026, 0, 31, h));

describe('PgAuditLog', () => {
  it("keeps each server's records, queries them by filter newest first, this server's or the fleet's", async () => {
    const url = await pg.newDatabase();
    const pool = openPgPool(url);
    const dir = mkdtempSync(join(tmpdir(), 'takeover-audit-'));
    try {
      const fallback = new AuditLog(dir, { maxFileBytes: 1 << 20, keepFiles: 1 });
      const [a, b] = await Promise.all([
        PgAuditLog.open(pool, { serverId: 'cell-a', fallback }),
        PgAuditLog.open(pool, { serverId: 'cell-b', fallback }),
      ]);
      a.record(auditRecord('take_over', 'alice', { robot: 'arm0' }, at(1)));
      a.record(auditRecord('estop', null, { robot: 'arm1', detail: 'tick failed' }, at(2)));
      b.record(auditRecord('take_over', 'bob', { robot: 'arm0' }, at(3)));
      a.record(auditRecord('hand_back', 'alice', { robot: 'arm0' }, at(4)));
      const show = (rs: Array<Record<string, unknown>>) => rs.map((r) => `${r.serverId} ${r.type} ${r.actor}`);
      expect(show(await a.query({ limit: 100 }, 'server'))).toEqual(['cell-a hand_back alice', 'cell-a estop null', 'cell-a take_over alice']);
      expect(show(await a.query({ limit: 100 }, 'fleet'))).toEqual(['cell-a hand_back alice', 'cell-b take_over bob', 'cell-a estop null', 'cell-a take_over alice']);
      expect(show(await b.query({ limit: 100 }, 'server'))).toEqual(['cell-b take_over bob']);
      expect(show(await a.query({ limit: 100, robot: 'arm0', type: 'take_over' }, 'fleet'))).toEqual(['cell-b take_over bob', 'cell-a take_over alice']);
      expect(show(await a.query({ limit: 100, actor: 'alice' }, 'server'))).toEqual(['cell-a hand_back alice', 'cell-a take_over alice']);
      expect(show(await a.query({ limit: 100, sinceMs: at(2).getTime(), untilMs: at(4).getTime() }, 'fleet'))).toEqual(['cell-b take_over bob', 'cell-a estop null']);
      expect(show(await a.query({ limit: 1 }, 'fleet'))).toEqual(['cell-a hand_back alice']);
      // the record comes back whole, its extra fields included
      expect((await a.query({ limit: 1, type: 'estop' }, 'server'))[0]).toEqual({ t: at(2).toISOString(), type: 'estop', actor: null, robot: 'arm1', detail: 'tick failed', serverId: 'cell-a' });
      await fallback.flush();
      expect(() => readFileSync(fallback.file)).toThrow(); // nothing needed the file
    } finally {
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts what the database refuses in the local file and says so: nothing is lost', async () => {
    const url = await pg.newDatabase();
    const pool = openPgPool(url);
    const dir = mkdtempSync(join(tmpdir(), 'takeover-audit-'));
    try {
      const fallback = new AuditLog(dir, { maxFileBytes: 1 << 20, keepFiles: 1 });
      const errors: string[] = [];
      const log = await PgAuditLog.open(pool, { serverId: 'cell-a', fallback, onError: (e) => errors.push(e.message), retryDelayMs: 1 });
      await pool.query('DROP TABLE audit_log');
      log.record(auditRecord('estop', 'bob', { robot: 'arm0' }, at(1)));
      log.record(auditRecord('estop_reset', 'bob', { robot: 'arm0' }, at(2)));
      await log.flush();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/the database refused 2 record\(s\), kept in the local audit file instead: .*audit_log/);
      expect((await fallback.query({ limit: 10 })).map((r) => r.type)).toEqual(['estop_reset', 'estop']);
    } finally {
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /api/audit with a database', () => {
  it("reads this server's records from the database, and every server's with scope=fleet", async () => {
    const url = await pg.newDatabase();
    const [a, b] = await Promise.all([
      startTestServer({ database: url, serverId: 'cell-a' }),
      startTestServer({ database: url, serverId: 'cell-b' }),
    ]);
    try {
      // a sign-in failure on each server (B's twice)
      expect((await a.app.inject({ method: 'GET', url: '/api/status' })).statusCode).toBe(401);
      for (let i = 0; i < 2; i++) expect((await b.app.inject({ method: 'GET', url: '/api/robots' })).statusCode).toBe(401);
      const audit = async (s: typeof a, q: string) => {
        const r = await s.app.inject({ method: 'GET', url: `/api/audit?type=sign_in_failed${q}`, headers: { authorization: `Bearer ${TOKENS.admin.token}` } });
        expect(r.statusCode, r.body).toBe(200);
        return (r.json().items as Array<Record<string, unknown>>).map((x) => `${x.serverId} ${x.route}`);
      };
      expect(await audit(a, '')).toEqual(['cell-a /api/status']);
      expect(await audit(b, '&scope=server')).toEqual(['cell-b /api/robots', 'cell-b /api/robots']);
      expect((await audit(a, '&scope=fleet')).sort()).toEqual(['cell-a /api/status', 'cell-b /api/robots', 'cell-b /api/robots']);
      // the records went to the database, not to the servers' files
      expect(() => readFileSync(join(a.config.dataDir, 'audit.log'))).toThrow();
      const bad = await a.app.inject({ method: 'GET', url: '/api/audit?scope=everyone', headers: { authorization: `Bearer ${TOKENS.admin.token}` } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain('scope');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

/** Runs `takeover tokens ...` in-process; returns exit code and what it printed. */
async function tokensCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((x) => ((stdout += String(x)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((x) => ((stderr += String(x)), true));
  try {
    return { code: await main(['tokens', ...args]), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('takeover tokens with a database', () => {
  it("records token changes in the audit_log table under the data dir's server id, not in audit.log", async () => {
    const url = await pg.newDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'takeover-tokens-pg-'));
    try {
      const data = join(dir, 'data');
      mkdirSync(data, { mode: 0o700 });
      writeFileSync(join(data, 'server-id'), 'cell-t\n');
      const add = await tokensCli('add', '--name', 'ann', '--role', 'operator', '--data-dir', data, '--database', url, '--json');
      expect(add.code, add.stderr).toBe(0);
      expect((await tokensCli('revoke', 'ann', '--data-dir', data, '--database', url)).code).toBe(0);
      expect(existsSync(join(data, 'audit.log'))).toBe(false);
      const pool = openPgPool(url);
      try {
        const rows = await pool.query<{ server_id: string; type: string; actor: string; record: Record<string, unknown> }>('SELECT server_id, type, actor, record FROM audit_log ORDER BY id');
        expect(rows.rows.map((r) => `${r.server_id} ${r.type} ${r.record.name}`)).toEqual(['cell-t token_add ann', 'cell-t token_revoke ann']);
        expect(rows.rows[0].actor).toMatch(/^cli:/);
        expect(JSON.stringify(rows.rows)).not.toContain(JSON.parse(add.stdout).token);
      } finally {
        await pool.end();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a database that cannot be reached leaves the record in audit.log and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'takeover-tokens-pg-'));
    try {
      const data = join(dir, 'data');
      // port 1: nothing listens there
      const down = 'postgres://takeover:secret@127.0.0.1:1/none';
      const add = await tokensCli('add', '--name', 'bob', '--role', 'viewer', '--data-dir', data, '--database', down);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stderr).toMatch(/takeover tokens: cannot use the audit log in postgres:\/\/takeover:\*\*\*@127\.0\.0\.1:1\/none \(.+\); recording to .*audit\.log/);
      expect(add.stderr).not.toContain('secret');
      const lines = readFileSync(join(data, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => `${l.type} ${l.name}`)).toEqual(['token_add bob']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

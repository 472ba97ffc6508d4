import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../server/audit/audit-log.ts';
import { queryAudit } from '../../../server/audit/audit-query.ts';
import { auditRecord } from '../../../server/audit/audit-record.ts';
import { auditOfLoopEvent } from '../../../server/audit/loop-event-audit.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'takeover-audit-'));
const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('AuditLog', () => {
  it('appends one JSON line per record, owner-only, without waiting in record()', async () => {
    const d = dir();
    const log = new AuditLog(d, { maxFileBytes: 1 << 20, keepFiles: 3 });
    for (let i = 0; i < 50; i++) log.record(auditRecord('estop', `op${i}`, { robot: 'arm0' }));
    await log.flush();
    const got = lines(log.file);
    expect(got).toHaveLength(50);
    expect(got[49]).toMatchObject({ type: 'estop', actor: 'op49', robot: 'arm0' });
    expect(statSync(log.file).mode & 0o777).toBe(0o600);
  });

  it('rotates at the size limit and keeps N rotated files; queries read across them, newest first', async () => {
    const d = dir();
    const log = new AuditLog(d, { maxFileBytes: 4096, keepFiles: 2 });
    for (let i = 0; i < 200; i++) {
      log.record(auditRecord('take_over', 'alice', { robot: `arm${i % 2}`, n: i, pad: 'x'.repeat(60) }));
      if (i % 10 === 9) await log.flush();
    }
    await log.flush();
    const files = readdirSync(d).filter((f) => f.startsWith('audit.log')).sort();
    expect(files).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const f of files) expect(statSync(join(d, f)).size).toBeLessThanOrEqual(4096);
    const all = await queryAudit(log.file, 2, { limit: 10_000 });
    // the newest records survive, in order; the oldest fell off with the third rotated file
    expect(all[0].n).toBe(199);
    for (let i = 1; i < all.length; i++) expect(all[i].n).toBe((all[i - 1].n as number) - 1);
    expect(all.length).toBeLessThan(200);
    const arm1 = await queryAudit(log.file, 2, { robot: 'arm1', limit: 3 });
    expect(arm1.map((r) => r.n)).toEqual([199, 197, 195]);
  });

  it('bounds its queue: past it records are counted and an audit_overflow line says how many', async () => {
    const d = dir();
    const log = new AuditLog(d, { maxFileBytes: 1 << 20, keepFiles: 1, maxQueued: 10 });
    for (let i = 0; i < 25; i++) log.record(auditRecord('estop', 'x'));
    await log.flush();
    const got = lines(log.file);
    expect(got.filter((r) => r.type === 'estop')).toHaveLength(10);
    expect(got.find((r) => r.type === 'audit_overflow')).toMatchObject({ dropped: 15 });
  });

  it('filters by time, actor and type', async () => {
    const d = dir();
    const log = new AuditLog(d, { maxFileBytes: 1 << 20, keepFiles: 1 });
    const at = (s: string) => new Date(s);
    log.record(auditRecord('estop', 'alice', { robot: 'arm0' }, at('2026-01-01T10:00:00Z')));
    log.record(auditRecord('take_over', 'bob', { robot: 'arm0' }, at('2026-01-01T11:00:00Z')));
    log.record(auditRecord('estop', 'bob', { robot: 'arm1' }, at('2026-01-01T12:00:00Z')));
    await log.flush();
    const q = (f: Partial<Parameters<typeof queryAudit>[2]>) => queryAudit(log.file, 1, { limit: 100, ...f }).then((r) => r.map((x) => x.t.slice(11, 13) + x.type));
    expect(await q({ type: 'estop' })).toEqual(['12estop', '10estop']);
    expect(await q({ actor: 'bob' })).toEqual(['12estop', '11take_over']);
    expect(await q({ sinceMs: Date.parse('2026-01-01T11:00:00Z'), untilMs: Date.parse('2026-01-01T12:00:00Z') })).toEqual(['11take_over']);
  });
});

describe('auditOfLoopEvent', () => {
  it('keeps lease and e-stop changes, rewinds and operator resets; drops the rest', () => {
    const mode = (reason: string) => auditOfLoopEvent({ type: 'mode', robot: 'arm0', mode: 'X', lease: null, reason });
    expect(mode("take_over by 'alice'")).toMatchObject({ type: 'take_over', actor: 'alice', robot: 'arm0' });
    expect(mode("take_over forced by 'root' from 'alice'")).toMatchObject({ type: 'force', actor: 'root', from: 'alice' });
    expect(mode("hand_back by 'alice' (still e-stopped)")).toMatchObject({ type: 'hand_back', actor: 'alice' });
    expect(mode("estop by 'bob'")).toMatchObject({ type: 'estop', actor: 'bob' });
    expect(mode('estop by system: teleop failed: link down')).toMatchObject({ type: 'estop', actor: null, detail: 'teleop failed: link down' });
    expect(mode("reset_estop by 'bob'")).toMatchObject({ type: 'estop_reset', actor: 'bob' });
    expect(mode('heartbeat_timeout')).toBeNull();
    expect(mode("pause by 'alice'")).toBeNull();
    expect(auditOfLoopEvent({ type: 'rewind', robot: 'arm0', episodeId: 'e1', fromStep: 20, toStep: 5, how: 'restore', by: 'alice' }))
      .toMatchObject({ type: 'rewind', actor: 'alice', robot: 'arm0', fromStep: 20, toStep: 5 });
    expect(auditOfLoopEvent({ type: 'episode_end', robot: 'arm0', episodeId: 'e1', outcome: 'aborted', steps: 9, by: 'bob' })).toMatchObject({ type: 'episode_reset', actor: 'bob' });
    expect(auditOfLoopEvent({ type: 'episode_end', robot: 'arm0', episodeId: 'e1', outcome: 'success', steps: 9, by: 'bob' })).toBeNull();
    expect(auditOfLoopEvent({ type: 'episode_end', robot: 'arm0', episodeId: 'e1', outcome: 'aborted', steps: 9, by: null })).toBeNull();
  });
});

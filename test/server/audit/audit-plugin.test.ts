import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { authPlugin } from '../../../server/auth/auth-plugin.ts';
import { TokenStore } from '../../../server/auth/token-store.ts';
import { AuditLog } from '../../../server/audit/audit-log.ts';
import { auditPlugin } from '../../../server/audit/audit-plugin.ts';
import { routeRoles } from '../../../server/api/route-roles.ts';
import { TakeoverError } from '../../../server/errors.ts';
import { TOKENS } from '../support/test-server.ts';

/** The auth and audit plugins with stand-ins for the routes the audit log watches. */
async function edgeApp(): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const e = err as TakeoverError;
    reply.status(e.statusCode ?? 500).send({ code: e.code, message: e.message });
  });
  await app.register(authPlugin, { tokens: TokenStore.fromPlain(Object.values(TOKENS)) });
  await app.register(routeRoles, { requireRole: app.requireRole });
  const audit = new AuditLog(mkdtempSync(join(tmpdir(), 'takeover-audit-')), { maxFileBytes: 1 << 20, keepFiles: 2 });
  await app.register(auditPlugin, { audit });
  app.post('/api/robots/:id/policy', { config: { role: 'operator' } }, async () => ({ ok: true }));
  app.delete('/api/training-jobs/:id', { config: { role: 'operator' } }, async () => ({ ok: true }));
  app.delete('/api/episodes/:id', { config: { role: 'admin' } }, async (req) => {
    if ((req.params as { id: string }).id === 'missing') throw new TakeoverError('TKO_ERR_NOT_FOUND', 'no episode');
    return { ok: true };
  });
  app.get('/api/status', { config: { role: 'viewer' } }, async () => ({ ok: true }));
  return app;
}

const auth = (t: { token: string }) => ({ authorization: `Bearer ${t.token}` });

describe('audit plugin', () => {
  let app: FastifyInstance | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it('records sign-in failures, refusals, policy swaps and deletions, never a token; GET /api/audit is admin only and filters', async () => {
    app = await edgeApp();
    const inject = app.inject.bind(app);
    expect((await inject({ method: 'GET', url: '/api/status' })).statusCode).toBe(401);
    expect((await inject({ method: 'GET', url: '/api/status?token=wrong-token-0123456789' })).statusCode).toBe(401);
    expect((await inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: auth(TOKENS.eve), payload: { version: 'v2' } })).statusCode).toBe(403);
    expect((await inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: auth(TOKENS.alice), payload: { version: 'v2' } })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: '/api/training-jobs/v3', headers: auth(TOKENS.alice) })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: '/api/episodes/ep-1', headers: auth(TOKENS.admin) })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: '/api/episodes/missing', headers: auth(TOKENS.admin) })).statusCode).toBe(404);

    expect((await inject({ method: 'GET', url: '/api/audit', headers: auth(TOKENS.alice) })).statusCode).toBe(403);
    const res = await inject({ method: 'GET', url: '/api/audit', headers: auth(TOKENS.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('wrong-token-0123456789');
    const items = res.json().items as Array<Record<string, unknown>>;
    // newest first; the refused audit read itself is the newest record
    expect(items.map((r) => r.type)).toEqual(['forbidden', 'episode_delete', 'training_job_delete', 'policy_swap', 'forbidden', 'sign_in_failed', 'sign_in_failed']);
    expect(items[1]).toMatchObject({ actor: 'root', episodeId: 'ep-1' });
    expect(items[2]).toMatchObject({ actor: 'alice', job: 'v3' });
    expect(items[3]).toMatchObject({ actor: 'alice', robot: 'arm0', version: 'v2' });
    expect(items[4]).toMatchObject({ actor: 'eve', role: 'viewer', route: '/api/robots/:id/policy' });
    expect(items[5]).toMatchObject({ actor: null, reason: 'unknown token', route: '/api/status' });
    expect(items[6]).toMatchObject({ actor: null, reason: 'no token' });

    const q = async (qs: string) => (await inject({ method: 'GET', url: `/api/audit?${qs}`, headers: auth(TOKENS.admin) })).json();
    expect((await q('type=sign_in_failed&limit=1')).items).toHaveLength(1);
    expect((await q('actor=alice')).items.map((r: { type: string }) => r.type)).toEqual(['forbidden', 'training_job_delete', 'policy_swap']);
    expect((await q('robot=arm0')).items.map((r: { type: string }) => r.type)).toEqual(['policy_swap']);
    expect((await q(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);
    expect((await q(`until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items.length).toBeGreaterThan(5);
    const bad = await inject({ method: 'GET', url: '/api/audit?since=yesterday', headers: auth(TOKENS.admin) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/since: 'yesterday' is not a date-time/);
    expect((await inject({ method: 'GET', url: '/api/audit?type=nonsense', headers: auth(TOKENS.admin) })).statusCode).toBe(400);
  });
});

import Fastify, { type preValidationHookHandler } from 'fastify';
import swagger from '@fastify/swagger';
import { describe, expect, it } from 'vitest';
import { REQUIRED_ROLE_KEY, routeRoles } from '../../../server/api/route-roles.ts';

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;
/** Test double for the server's requireRole: the role comes from an `x-role` header. */
function headerRole(role: keyof typeof RANK): preValidationHookHandler {
  return async (req, reply) => {
    const have = req.headers['x-role'] as keyof typeof RANK | undefined;
    if (!have || !(have in RANK)) return reply.code(401).send({ code: 'TKO_ERR_UNAUTHENTICATED' });
    if (RANK[have] < RANK[role]) return reply.code(403).send({ code: 'TKO_ERR_FORBIDDEN' });
  };
}

describe('routeRoles', () => {
  it('refuses to register an /api route that declares no role', async () => {
    const app = Fastify();
    await app.register(routeRoles, { requireRole: headerRole });
    expect(() => app.get('/api/forgot', async () => 'open')).toThrow(/GET \/api\/forgot declares no role/);
    // inside a plugin, registration fails
    await expect(app.register(async (scope) => void scope.delete('/api/x', async () => 'gone')).ready()).rejects.toThrow(/DELETE \/api\/x declares no role/);
  });

  it('checks the role before the route\'s own hooks and documents it in OpenAPI', async () => {
    const app = Fastify();
    await app.register(swagger, { openapi: { info: { title: 't', version: '0' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } } });
    await app.register(routeRoles, { requireRole: headerRole });
    const seen: string[] = [];
    app.post('/api/thing', { config: { role: 'operator' }, preValidation: async () => void seen.push('own hook') }, async () => ({ ok: true }));
    app.get('/api/open', { config: { role: 'public' } }, async () => ({ ok: true }));
    app.get('/not-api', async () => 'static');
    await app.ready();
    expect((await app.inject({ method: 'POST', url: '/api/thing', headers: { 'x-role': 'viewer' } })).statusCode).toBe(403);
    expect(seen).toEqual([]);
    expect((await app.inject({ method: 'POST', url: '/api/thing', headers: { 'x-role': 'admin' } })).statusCode).toBe(200);
    expect(seen).toEqual(['own hook']);
    expect((await app.inject({ method: 'GET', url: '/api/open' })).statusCode).toBe(200);
    const doc = app.swagger() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc.paths['/api/thing'].post).toMatchObject({ security: [{ bearer: [] }], [REQUIRED_ROLE_KEY]: 'operator' });
    expect(doc.paths['/api/open'].get.security).toEqual([]);
    expect(doc.paths['/api/open'].get[REQUIRED_ROLE_KEY]).toBeUndefined();
    await app.close();
  });
});

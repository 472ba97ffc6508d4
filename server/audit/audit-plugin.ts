import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type, type Static } from '@sinclair/typebox';
import { TakeoverError } from '../errors.ts';
import { requestToken } from '../auth/auth-plugin.ts';
import type { AuditStore } from './audit-store.ts';
import { AUDIT_TYPES, auditRecord, type AuditRecord } from './audit-record.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** the audit log (docs/security.md, "Audit log"): a file, or a table of the shared database */
    audit: AuditStore;
  }
}

/** REST routes whose success the audit log keeps, by `METHOD url-pattern`. */
const AUDITED_ROUTES: Record<string, (req: FastifyRequest) => AuditRecord> = {
  'POST /api/robots/:id/policy': (req) => auditRecord('policy_swap', req.principal?.name ?? null, {
    robot: (req.params as { id?: string }).id, version: (req.body as { version?: unknown } | undefined)?.version,
  }),
  'DELETE /api/episodes/:id': (req) => auditRecord('episode_delete', req.principal?.name ?? null, { episodeId: (req.params as { id?: string }).id }),
  'DELETE /api/training-jobs/:id': (req) => auditRecord('training_job_delete', req.principal?.name ?? null, { job: (req.params as { id?: string }).id }),
};

const AuditQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ description: 'ISO date-time: records at or after it' })),
    until: Type.Optional(Type.String({ description: 'ISO date-time: records before it' })),
    actor: Type.Optional(Type.String({ maxLength: 64 })),
    robot: Type.Optional(Type.String({ maxLength: 64 })),
    type: Type.Optional(Type.Union(AUDIT_TYPES.map((a) => Type.Literal(a)))),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    scope: Type.Union([Type.Literal('server'), Type.Literal('fleet')], {
      default: 'server', description: "'server' (default): this server's records; 'fleet': every server's in a shared database (the same without one)",
    }),
  },
  { additionalProperties: false },
);

function dateMs(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new TakeoverError('TKO_ERR_BAD_REQUEST', `${name}: '${v.slice(0, 64)}' is not a date-time (e.g. 2026-01-31T12:00:00Z)`);
  return ms;
}

/**
 * The audit log at the REST and auth edges: sign-in failures (401) and refusals (403) of every
 * route, /ws upgrades included; successful policy swaps and deletions; and GET /api/audit (admin).
 * Register before the routes it watches.
 */
export const auditPlugin = fp(
  async (app, o: { audit: AuditStore }) => {
    app.decorate('audit', o.audit);
    app.addHook('onError', async (req, _reply, err) => {
      const code = (err as { code?: string }).code;
      if (code !== 'TKO_ERR_UNAUTHENTICATED' && code !== 'TKO_ERR_FORBIDDEN') return;
      // a 403 without a principal is an origin refusal, recorded by the origin check itself
      if (code === 'TKO_ERR_FORBIDDEN' && !req.principal) return;
      const where = { method: req.method, route: req.routeOptions.url ?? null, ip: req.ip };
      if (code === 'TKO_ERR_UNAUTHENTICATED') o.audit.record(auditRecord('sign_in_failed', null, { ...where, reason: requestToken(req) === null ? 'no token' : 'unknown token' }));
      else o.audit.record(auditRecord('forbidden', req.principal!.name, { ...where, role: req.principal!.role, reason: err.message }));
    });
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode >= 400) return;
      const audited = AUDITED_ROUTES[`${req.method} ${req.routeOptions.url}`];
      if (audited) o.audit.record(audited(req));
    });
    app.get<{ Querystring: Static<typeof AuditQuery> }>('/api/audit', {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'audit log records, newest first (admin)',
        description: 'Sign-in failures, lease and e-stop changes, rewinds, policy swaps, deletions and token changes (docs/security.md).',
        querystring: AuditQuery,
      },
    }, async (req) => {
      const q = req.query;
      const items = await o.audit.query({
        sinceMs: dateMs('since', q.since), untilMs: dateMs('until', q.until), actor: q.actor, robot: q.robot, type: q.type, limit: q.limit,
      }, q.scope);
      return { items };
    });
  },
  { name: 'takeover-audit', fastify: '5.x', dependencies: ['takeover-auth'] },
);

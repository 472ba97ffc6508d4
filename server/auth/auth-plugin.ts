import type { FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { roleAtLeast, type Role } from '../control/arbiter.ts';
import { TakeoverError } from '../errors.ts';
import type { Principal, TokenStore } from './token-store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the auth hooks from `Authorization: Bearer <token>` or `?token=` */
    principal: Principal | null;
  }
  interface FastifyInstance {
    tokens: TokenStore;
    /** a preValidation hook that admits `role` and above */
    requireRole(role: Role): preValidationHookHandler;
  }
}

/**
 * The token a request carries: Bearer header first (the scheme name is case-insensitive, RFC 9110),
 * then the `token` query parameter (browsers cannot set WebSocket headers, nor download links).
 */
export function requestToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const bearer = typeof h === 'string' ? /^bearer[ \t]+(.+)$/i.exec(h.trim()) : null;
  if (bearer) return bearer[1].trim();
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof q === 'string' ? q : null;
}

/** Auth: decorates `request.principal` and `requireRole(role)`; route groups add the hook where they need it. */
export const authPlugin = fp(
  async (app, opts: { tokens: TokenStore }) => {
    app.decorate('tokens', opts.tokens);
    // last-used times are written on close as well as once a minute
    app.addHook('onClose', async () => opts.tokens.close());
    app.decorateRequest('principal', null);
    app.decorate('requireRole', (role: Role): preValidationHookHandler => {
      return async (req: FastifyRequest, _reply: FastifyReply) => {
        const token = requestToken(req);
        const p = opts.tokens.lookup(token);
        if (!p) throw new TakeoverError('TKO_ERR_UNAUTHENTICATED', token ? 'unknown token' : 'send Authorization: Bearer <token>');
        // set before the role check, so that a refusal names who was refused (audit log)
        req.principal = p;
        if (!roleAtLeast(p.role, role)) throw new TakeoverError('TKO_ERR_FORBIDDEN', `needs role ${role}, token '${p.name}' is ${p.role}`);
      };
    });
  },
  { name: 'takeover-auth', fastify: '5.x' },
);

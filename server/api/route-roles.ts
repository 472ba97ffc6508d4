import type { FastifySchema, preValidationHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../control/arbiter.ts';

/** Who may call a route: a token of this role or above, or anyone ('public'). */
export type RouteRole = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the least role that may call this route; required on every /api route (server/api/route-roles.ts) */
    role?: RouteRole;
  }
}

/** The OpenAPI extension that names a protected route's least role. */
export const REQUIRED_ROLE_KEY = 'x-required-role';

export interface RouteRolesOptions {
  /** the auth hook for a least role (the server's `app.requireRole`) */
  requireRole: (role: Role) => preValidationHookHandler;
}

type DocumentedSchema = FastifySchema & { security?: Record<string, string[]>[]; [REQUIRED_ROLE_KEY]?: Role };

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Route access in one place: each route declares `config: { role }` and this onRoute hook turns it
 * into the auth check (the role's preValidation hook, before the route's own) and into the
 * OpenAPI document (bearer security plus `x-required-role`, or `security: []` for public
 * routes). An /api route without a role fails at registration, so a new route cannot go out
 * unguarded by omission. Register after the auth plugin and before the routes.
 */
export const routeRoles = fp<RouteRolesOptions>(
  async (app, o) => {
    const guards = new Map<Role, preValidationHookHandler>();
    const guard = (role: Role) => {
      let g = guards.get(role);
      if (!g) guards.set(role, (g = o.requireRole(role)));
      return g;
    };
    const mine = new Set<preValidationHookHandler>();
    app.addHook('onRoute', (route: RouteOptions) => {
      const role = route.config?.role;
      if (role === undefined) {
        if (route.url.startsWith('/api/') || route.url === '/api') {
          throw new Error(`route ${asArray(route.method).join(',')} ${route.url} declares no role: add config: { role: 'viewer' | 'operator' | 'admin' | 'public' }`);
        }
        return;
      }
      const schema = (route.schema ??= {}) as DocumentedSchema;
      if (role === 'public') {
        schema.security = [];
        return;
      }
      schema.security = [{ bearer: [] }];
      schema[REQUIRED_ROLE_KEY] = role;
      const g = guard(role);
      mine.add(g);
      // the role check runs first, before the route's own hooks (a HEAD twin brings its GET's)
      route.preValidation = [g, ...asArray(route.preValidation).filter((h) => !mine.has(h))];
    });
  },
  { name: 'takeover-route-roles', fastify: '5.x' },
);

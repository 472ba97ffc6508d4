import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { SafeNameSchema } from '../../core/safe-name.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { TakeoverError } from '../errors.ts';
import { FleetServerSchema, SERVER_STATES, fleetRobots, type FleetServer } from '../fleet-snapshot.ts';
import type { ServerIdentity, ServerRegistry } from '../server-registry.ts';

export interface FleetApiOptions {
  control: ControlPlane;
  /** this server as it registers (address, version, heartbeat period) */
  self: () => ServerIdentity;
  /** the registry in the shared database; null without a database (the fleet is this server) */
  registry: ServerRegistry | null;
}

const FleetQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(SERVER_STATES.map((s) => Type.Literal(s)), { description: 'only servers in this state: up, stale or stopped' })),
    serverId: Type.Optional(SafeNameSchema({ description: "only this server (its id: letters, digits, '.', '_', '-')" })),
  },
  { additionalProperties: false },
);

/**
 * Names an unknown parameter or a state that is not one (the schema alone would strip the first
 * silently and answer the second with ajv's 'must be equal to constant').
 */
function checkFleetQuery(query: unknown): void {
  const q = (query ?? {}) as Record<string, unknown>;
  const known = Object.keys(FleetQuery.properties);
  for (const k of Object.keys(q)) {
    // a token may ride in the query string (server/auth/auth-plugin.ts)
    if (!known.includes(k) && k !== 'token') throw new TakeoverError('TKO_ERR_BAD_REQUEST', `unknown query parameter '${k.slice(0, 64)}' (known: ${known.join(', ')})`);
  }
  const st = q.status;
  if (st !== undefined && !(SERVER_STATES as readonly unknown[]).includes(st)) {
    throw new TakeoverError('TKO_ERR_BAD_REQUEST', `status: '${String(st).slice(0, 64)}' is not a server state (${SERVER_STATES.join(', ')})`);
  }
}

const FleetResponse = Type.Object({
  serverId: Type.String({ description: 'the server that answered' }),
  shared: Type.Boolean({ description: 'true: the servers registered in the shared database; false: no database, this server alone' }),
  servers: Type.Array(FleetServerSchema),
});

/** GET /api/fleet: every registered server with its robots, their modes and loop health, and its heartbeat (viewer and above). */
export const fleetApi: FastifyPluginAsync<FleetApiOptions> = async (app, o) => {
  const startedAt = new Date().toISOString();

  async function thisServer(): Promise<FleetServer> {
    const s = o.self();
    const now = new Date().toISOString();
    return {
      id: s.id, url: s.url, host: s.host, port: s.port, version: s.version, status: 'up',
      startedAt, lastHeartbeat: now, heartbeatAgeMs: 0, heartbeatMs: s.heartbeatMs, stoppedAt: null,
      robots: await fleetRobots(o.control),
    };
  }

  async function servers(): Promise<FleetServer[]> {
    if (!o.registry) return [await thisServer()];
    try {
      return await o.registry.list();
    } catch (err) {
      throw new TakeoverError('TKO_ERR_BUSY', `the server registry could not be read from the database: ${(err as Error).message}`);
    }
  }

  app.get<{ Querystring: Static<typeof FleetQuery> }>('/api/fleet', {
    config: { role: 'viewer' },
    preValidation: async (req) => checkFleetQuery(req.query),
    schema: {
      tags: ['server'],
      summary: 'every server registered in the shared database, its robots, their modes and loop health, and its last heartbeat (this server alone without a database)',
      querystring: FleetQuery,
      response: { 200: FleetResponse },
    },
  }, async (req) => {
    const { status, serverId } = req.query;
    const all = await servers();
    return {
      serverId: o.self().id,
      shared: o.registry !== null,
      servers: all.filter((s) => (status === undefined || s.status === status) && (serverId === undefined || s.id === serverId)),
    };
  });
};

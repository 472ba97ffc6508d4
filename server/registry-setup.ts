import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { TakeoverConfig } from './config/config-schema.ts';
import type { ControlPlane } from './control-plane/control-plane.ts';
import { fleetApi } from './api/fleet.ts';
import { fleetRobots } from './fleet-snapshot.ts';
import { serverAddress } from './server-address.ts';
import { DEFAULT_SERVER_HEARTBEAT_MS, ServerHeartbeat } from './server-heartbeat.ts';
import { ServerRegistry } from './server-registry.ts';

/** This server in the server registry: started with the loops, stopped (and marked stopped) before the database closes. */
export interface RegistrySetup {
  /** the heartbeat (null without a database) */
  heartbeat: ServerHeartbeat | null;
  /** registers now and starts the heartbeat (after the loops start) */
  start(): Promise<void>;
  /** a clean stop: no more heartbeats, the row says stopped */
  stop(): Promise<void>;
}

/**
 * Servers register and heartbeat in a shared database (docs/deployment.md, "Health across
 * servers"), and `GET /api/fleet` shows them; without a database it shows this server alone.
 */
export async function setupRegistry(
  app: FastifyInstance,
  o: { config: TakeoverConfig; serverId: string; version: string; control: ControlPlane; pool: pg.Pool | null },
): Promise<RegistrySetup> {
  const heartbeatMs = o.config.serverHeartbeatMs ?? DEFAULT_SERVER_HEARTBEAT_MS;
  let address = serverAddress(o.config, null);
  const self = () => ({ id: o.serverId, version: o.version, heartbeatMs, ...address });
  const registry = o.pool ? await ServerRegistry.open(o.pool, self()) : null;
  const heartbeat = registry && new ServerHeartbeat({
    periodMs: heartbeatMs, robots: () => fleetRobots(o.control), write: (robots) => registry.beat(robots),
    onFailure: (err) => app.log.warn({ err }, 'server registry: heartbeat failed (retried every period)'),
    onRecovered: (n) => app.log.info(`server registry: heartbeat written again after ${n} failures`),
  });
  if (registry) {
    const twin = await registry.liveTwin();
    if (twin) app.log.warn(`server registry: another server with the id '${o.serverId}' (${twin.url}) sent a heartbeat ${Math.round(twin.heartbeatAgeMs)} ms ago; give each server its own serverId`);
  }
  await app.register(fleetApi, { control: o.control, self, registry });
  // the configured port may be 0: register the one bound
  app.addHook('onListen', async () => {
    address = serverAddress(o.config, app.server.address());
    registry?.setAddress(address);
    void heartbeat?.beatNow();
  });
  return {
    heartbeat,
    start: async () => heartbeat?.start(),
    stop: async () => {
      await heartbeat?.stop();
      await registry?.markStopped().catch((err) => app.log.warn({ err }, 'server registry: could not mark this server stopped'));
    },
  };
}

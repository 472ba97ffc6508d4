import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import type { Fleet } from '../robots/fleet.ts';
import type { Broadcaster } from '../ws/broadcaster.ts';
import { PROTOCOL_VERSION } from '../../protocol/messages.ts';
import { robotStatus, RobotStatusSchema } from './robots.ts';

export interface StatusOptions {
  fleet: Fleet;
  broadcaster: Broadcaster;
  version: string;
  /** what computes policies and physics, for the status page */
  backend: () => { physics: string[]; policy: string };
  recorderStats: () => Record<string, number> | null;
}

const StatusSchema = Type.Object({
  name: Type.Literal('takeover'), version: Type.String(), protocol: Type.Integer(), uptimeS: Type.Number(),
  backend: Type.Object({ physics: Type.Array(Type.String()), policy: Type.String() }),
  robots: Type.Array(RobotStatusSchema),
  clients: Type.Integer(), framesDropped: Type.Integer(), schedulerOverruns: Type.Integer(),
  recorder: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()]),
});

/** GET /api/status: version, robots with measured loop rates, backend, clients (viewer and above). */
export const statusApi: FastifyPluginAsync<StatusOptions> = async (app, o) => {
  const started = performance.now();
  app.get('/api/health', {
    schema: { tags: ['server'], summary: 'liveness probe, no token needed', response: { 200: Type.Object({ ok: Type.Boolean(), robots: Type.Integer() }) } },
  }, async () => ({ ok: true, robots: o.fleet.robots.size }));
  app.get('/api/status', {
    preValidation: app.requireRole('viewer'),
    schema: { tags: ['server'], summary: 'server, robots and loop figures as measured', security: [{ bearer: [] }], response: { 200: StatusSchema } },
  }, async () => ({
    name: 'takeover' as const, version: o.version, protocol: PROTOCOL_VERSION, uptimeS: (performance.now() - started) / 1000,
    backend: o.backend(), robots: [...o.fleet.robots.values()].map(robotStatus),
    clients: o.broadcaster.sessions.size, framesDropped: o.broadcaster.dropped, schedulerOverruns: o.fleet.scheduler.overruns,
    recorder: o.recorderStats(),
  }));
};

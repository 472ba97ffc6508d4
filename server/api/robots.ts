import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger';
import { TakeoverError } from '../errors.ts';
import { Type, type Static } from '@sinclair/typebox';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import { RobotStatusSchema, type RobotStatus } from '../control-plane/robot-status.ts';
import { RobotInfoSchema } from '../../protocol/messages.ts';
import { RobotIdSchema } from '../../core/safe-name.ts';

const IdParams = Type.Object({ id: RobotIdSchema() });

export interface RobotsApiOptions {
  control: ControlPlane;
  /** whether this operator has a live, signed-in WebSocket session */
  signedIn: (operatorId: string) => boolean;
}

/** GET /api/robots and /api/robots/:id (viewer and above); POST /api/robots/:id/rewind (the lease holder). */
export const robotsApi: FastifyPluginAsync<RobotsApiOptions> = async (app, { control, signedIn }) => {
  const statusOf = async (id: string, fresh = false): Promise<RobotStatus> => {
    const info = control.info(id);
    const st = (await control.status(fresh)).robots.find((r) => r.id === info.id);
    if (!st) throw new TakeoverError('TKO_ERR_UNKNOWN_ROBOT', `no robot '${id}'`);
    return st;
  };
  app.get('/api/robots', {
    config: { role: 'viewer' },
    schema: { tags: ['robots'], summary: 'every robot with its live status', response: { 200: Type.Array(RobotStatusSchema) } },
  }, async () => (await control.status()).robots);
  app.get<{ Params: Static<typeof IdParams> }>('/api/robots/:id', {
    config: { role: 'viewer' },
    schema: {
      tags: ['robots'], summary: 'one robot: static description (joints, limits, model) and live status',
      params: IdParams, response: { 200: Type.Object({ info: RobotInfoSchema, status: RobotStatusSchema }) },
    },
  }, async (req) => ({ info: control.info(req.params.id), status: await statusOf(req.params.id) }));

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RewindBody> }>('/api/robots/:id/rewind', {
    config: { role: 'operator' },
    schema: {
      tags: ['robots'],
      summary: 'rewind the current episode to a step or by some seconds; the caller must hold the lease through a live WebSocket session, and is then INTERVENING (docs/learning-loop.md)',
      params: IdParams, body: RewindBody, response: { 200: RobotStatusSchema },
    },
  }, async (req) => {
    control.info(req.params.id);
    const { toStep, seconds } = req.body;
    if ((toStep === undefined) === (seconds === undefined)) throw new TakeoverError('TKO_ERR_BAD_REQUEST', 'give exactly one of toStep or seconds');
    const p = req.principal!;
    // A lease lives as long as its holder's connection; a request has none, so it may only use a lease
    // held through a live session (which frees it when it closes).
    if (!signedIn(p.name)) throw new TakeoverError('TKO_ERR_NO_SESSION', `'${p.name}' has no live WebSocket session: connect, hello and take_over first`);
    const target = toStep !== undefined ? { toStep } : { seconds: seconds! };
    const cmd = { type: 'rewind' as const, robot: req.params.id, ...target, leaseRequired: true };
    const refusal = await control.command(req.params.id, { operatorId: p.name, role: p.role }, cmd, performance.now());
    if (refusal) throw new TakeoverError(refusal.code, refusal.message);
    return statusOf(req.params.id, true);
  });
};

const RewindBody = Type.Object(
  {
    toStep: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    seconds: Type.Optional(Type.Number({ minimum: 0.001, maximum: 3600 })),
  },
  { additionalProperties: false },
);

import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger';
import { TakeoverError } from '../errors.ts';
import { Type, type Static } from '@sinclair/typebox';
import { isMonitored } from '../robots/bridge-extras.ts';
import type { Fleet, RobotRuntime } from '../robots/fleet.ts';
import { ModeSchema } from '../../core/mode.ts';
import { RobotInfoSchema } from '../../protocol/messages.ts';

const ms = (s: number) => (Number.isFinite(s) ? s * 1000 : null);
const num = (x: number) => (Number.isFinite(x) ? x : null);
const Nullable = (n = Type.Number()) => Type.Union([n, Type.Null()]);

/** Live figures of one robot's loop, measured (not configured). */
export const RobotStatusSchema = Type.Object(
  {
    id: Type.String(), kind: Type.String(), task: Type.String(), mode: ModeSchema, modeReason: Type.String(),
    lease: Type.Union([Type.String(), Type.Null()]),
    episode: Type.Union([Type.Object({ id: Type.String(), index: Type.Integer(), step: Type.Integer(), seed: Type.Integer() }), Type.Null()]),
    recentOutcomes: Type.Array(Type.String()),
    configuredRateHz: Type.Number(), measuredRateHz: Nullable(),
    rateOk: Type.Boolean({ description: 'measured rate at least 90% of the configured rate (true until measured)' }),
    jitterP50Ms: Nullable(), jitterP99Ms: Nullable(), jitterP999Ms: Nullable(), jitterMaxMs: Nullable(),
    ticks: Type.Integer(), lateProposals: Type.Integer(), policyErrors: Type.Integer(),
    commandLatencyP50Ms: Nullable(), commandLatencyP99Ms: Nullable(),
    link: Type.Object(
      { ready: Type.Boolean(), reason: Type.String() },
      { description: 'does the arm take commands: for a real arm, link up, state fresh and no pending resume after a reconnection; why not otherwise' },
    ),
    rewind: Type.Object({
      horizonS: Type.Number({ description: 'seconds of the current episode that can be rewound now' }),
      bytes: Type.Integer({ description: 'memory held by the rewind ring' }),
      exact: Type.Boolean({ description: 'true: physics snapshots are restored; false: the arm drives back' }),
    }),
  },
  { $id: 'takeover/RobotStatus' },
);
export type RobotStatus = Static<typeof RobotStatusSchema>;

/** The status block of a robot (GET /api/robots, /api/status). */
export function robotStatus(r: RobotRuntime): RobotStatus {
  const l = r.loop;
  const ep = l.episode;
  return {
    id: r.id, kind: r.kind, task: r.task, mode: l.mode, modeReason: l.modeReason, lease: l.lease,
    episode: ep ? { id: ep.id, index: ep.index, step: ep.step, seed: ep.seed } : null,
    recentOutcomes: l.episodes.recent.map((e) => e.outcome),
    configuredRateHz: 1 / l.dt, measuredRateHz: num(l.rate.rateHz), rateOk: !(l.rate.rateHz < 0.9 / l.dt),
    jitterP50Ms: ms(l.rate.jitter.percentile(50)), jitterP99Ms: ms(l.rate.jitter.percentile(99)),
    jitterP999Ms: ms(l.rate.jitter.percentile(99.9)), jitterMaxMs: ms(l.rate.jitter.percentile(100)),
    ticks: l.rate.ticks, lateProposals: l.lateProposals, policyErrors: l.policyErrors,
    commandLatencyP50Ms: num(l.commandLatencyMs.percentile(50)), commandLatencyP99Ms: num(l.commandLatencyMs.percentile(99)),
    link: linkOf(r),
    rewind: { horizonS: l.rewinder.buffer.horizonAvailable, bytes: l.rewinder.buffer.bytes, exact: l.bridge.capabilities.restoreState },
  };
}

/** Link health of a monitored (real) arm; others are ready while connected. */
function linkOf(r: RobotRuntime): { ready: boolean; reason: string } {
  const b = r.loop.bridge;
  if (isMonitored(b)) {
    const h = b.health();
    return { ready: h.ready, reason: h.ready ? '' : h.reason };
  }
  return { ready: b.isConnected, reason: b.isConnected ? '' : 'not connected' };
}

const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) });

/** GET /api/robots and /api/robots/:id (viewer and above). */
export const robotsApi: FastifyPluginAsync<{ fleet: Fleet }> = async (app, { fleet }) => {
  const viewer = app.requireRole('viewer');
  app.get('/api/robots', {
    preValidation: viewer,
    schema: { tags: ['robots'], summary: 'every robot with its live status', security: [{ bearer: [] }], response: { 200: Type.Array(RobotStatusSchema) } },
  }, async () => [...fleet.robots.values()].map(robotStatus));
  app.get<{ Params: Static<typeof IdParams> }>('/api/robots/:id', {
    preValidation: viewer,
    schema: {
      tags: ['robots'], summary: 'one robot: static description (joints, limits, model) and live status', security: [{ bearer: [] }],
      params: IdParams, response: { 200: Type.Object({ info: RobotInfoSchema, status: RobotStatusSchema }) },
    },
  }, async (req) => ({ info: fleet.info(req.params.id), status: robotStatus(fleet.get(req.params.id)) }));

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RewindBody> }>('/api/robots/:id/rewind', {
    preValidation: app.requireRole('operator'),
    schema: {
      tags: ['robots'], summary: 'rewind the current episode to a step or by some seconds; the caller is then INTERVENING (docs/learning-loop.md)',
      security: [{ bearer: [] }], params: IdParams, body: RewindBody, response: { 200: RobotStatusSchema },
    },
  }, async (req) => {
    const r = fleet.get(req.params.id);
    const { toStep, seconds } = req.body;
    if ((toStep === undefined) === (seconds === undefined)) throw new TakeoverError('TKO_ERR_BAD_REQUEST', 'give exactly one of toStep or seconds');
    const p = req.principal!;
    const refusal = r.loop.rewind({ operatorId: p.name, role: p.role }, toStep !== undefined ? { toStep } : { seconds: seconds! });
    if (refusal) throw new TakeoverError(refusal.code, refusal.message);
    return robotStatus(r);
  });
};

const RewindBody = Type.Object(
  {
    toStep: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    seconds: Type.Optional(Type.Number({ minimum: 0.001, maximum: 3600 })),
  },
  { additionalProperties: false },
);

import { Type, type Static } from '@sinclair/typebox';
import { ModeSchema } from '../../core/mode.ts';
import { HelpRequestSchema, HelpScoresSchema } from '../../protocol/messages.ts';
import type { RobotRuntime } from '../robots/fleet.ts';

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
    ticks: Type.Integer(), lateProposals: Type.Integer(),
    policyErrors: Type.Integer({ description: 'policy calls that threw (the robot held those ticks; logged, rate-limited)' }),
    lastPolicyError: Type.Union([Type.String(), Type.Null()], { description: 'the message of the last policy call that threw' }),
    help: Type.Union([HelpRequestSchema, Type.Null()], { description: "the open help request of the robot's policy, null when none" }),
    ...HelpScoresSchema.properties,
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
  return { id: r.id, kind: r.kind, task: r.task, ...r.loop.status() };
}

import { Type, type Static } from '@sinclair/typebox';
import { ModeSchema } from '../core/mode.ts';
import type { ControlPlane } from './control-plane/control-plane.ts';
import type { RobotStatus } from './control-plane/robot-status.ts';

const Nullable = <T extends ReturnType<typeof Type.Number> | ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** One robot as the fleet view shows it: what it does and whether its loop keeps its rate. */
export const FleetRobotSchema = Type.Object(
  {
    id: Type.String(), kind: Type.String(), task: Type.String(),
    mode: ModeSchema, modeReason: Type.String(),
    configuredRateHz: Type.Number(),
    measuredRateHz: Nullable(Type.Number()),
    rateOk: Type.Boolean({ description: 'measured rate at least 90% of the configured rate (true until measured)' }),
    stale: Type.Boolean({ description: 'the arm link is not ready (a real arm: link down, state stale, or a resume pending)' }),
    staleReason: Type.String({ description: "why the link is not ready; '' when it is" }),
    policy: Type.Union([Type.Object({ name: Type.String(), version: Nullable(Type.String()) }), Type.Null()]),
  },
  { $id: 'takeover/FleetRobot' },
);
export type FleetRobot = Static<typeof FleetRobotSchema>;

/** up: heartbeats arrive; stale: none for more than three periods (crashed, cut off, or hung); stopped: stopped cleanly. */
export const SERVER_STATES = ['up', 'stale', 'stopped'] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/** A server in the fleet view (GET /api/fleet). */
export const FleetServerSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String({ description: 'where the server said it listens (http(s)://host:port)' }),
    host: Type.String(), port: Type.Integer(),
    version: Type.String(),
    status: Type.Union(SERVER_STATES.map((s) => Type.Literal(s)), { description: 'up; stale: no heartbeat for more than 3 periods; stopped: stopped cleanly' }),
    startedAt: Type.String({ description: 'ISO date-time' }),
    lastHeartbeat: Type.String({ description: 'ISO date-time (database time with a database)' }),
    heartbeatAgeMs: Type.Number({ description: 'time since the last heartbeat, measured by the database clock (no clock skew between servers)' }),
    heartbeatMs: Type.Integer({ description: "the server's heartbeat period" }),
    stoppedAt: Nullable(Type.String({ description: 'ISO date-time of a clean stop' })),
    robots: Type.Array(FleetRobotSchema, { description: 'as of the last heartbeat' }),
  },
  { $id: 'takeover/FleetServer' },
);
export type FleetServer = Static<typeof FleetServerSchema>;

/** A server's state from its heartbeat age: stale after more than three missed periods. */
export function serverState(heartbeatAgeMs: number, heartbeatMs: number, stopped: boolean): ServerState {
  if (stopped) return 'stopped';
  return heartbeatAgeMs > 3 * heartbeatMs ? 'stale' : 'up';
}

/** The fleet view of one robot from its live status and its running policy. */
export function fleetRobot(s: RobotStatus, policy: FleetRobot['policy']): FleetRobot {
  return {
    id: s.id, kind: s.kind, task: s.task, mode: s.mode, modeReason: s.modeReason,
    configuredRateHz: s.configuredRateHz, measuredRateHz: s.measuredRateHz, rateOk: s.rateOk,
    stale: !s.link.ready, staleReason: s.link.ready ? '' : s.link.reason || 'not ready',
    policy,
  };
}

/** This server's robots now (a status snapshot at most 0.5 s old: never a wait on a control tick). */
export async function fleetRobots(control: ControlPlane): Promise<FleetRobot[]> {
  const st = await control.status();
  return st.robots.map((r) => fleetRobot(r, control.has(r.id) ? control.info(r.id).policy : null));
}

import type { Static } from '@sinclair/typebox';
import type { ClientMessageType, RoleSchema } from './messages.ts';

type Role = Static<typeof RoleSchema>;

/**
 * The least token role that may send each client message (docs/protocol.md): every signed-in
 * token may say hello, watch and heartbeat; commands that move or stop a robot need an operator.
 * Finer rules that depend on the robot's state (only an admin may force a take-over from another
 * operator) are the arbiter's (server/control/arbiter.ts). Typed over every message type, so a
 * new message cannot go without an entry.
 */
export const COMMAND_ROLES: Readonly<Record<ClientMessageType, Role>> = {
  hello: 'viewer', subscribe: 'viewer', unsubscribe: 'viewer', heartbeat: 'viewer',
  take_over: 'operator', hand_back: 'operator', pause: 'operator', resume: 'operator',
  estop: 'operator', reset_estop: 'operator', teleop: 'operator',
  reset_episode: 'operator', mark_outcome: 'operator', rewind: 'operator', dismiss_help: 'operator',
};

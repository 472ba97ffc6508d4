import type { RobotCommandMessage } from '../../protocol/messages.ts';
import type { Actor } from './arbiter.ts';
import type { ControlLoop, Refusal } from './control-loop.ts';

/**
 * A robot command as the control side executes it: the protocol message without its reply ref.
 * `leaseRequired` (REST commands, which have no connection to free a lease on) refuses the command
 * unless the actor already holds the robot's lease.
 */
export type RobotCommand = DistributiveOmit<RobotCommandMessage, 'ref'> & { leaseRequired?: boolean };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Commands that must overtake everything else on their way to a loop (docs/architecture.md "Threads"). */
export const SAFETY_COMMANDS: ReadonlySet<RobotCommand['type']> = new Set(['estop', 'pause', 'hand_back', 'reset_estop']);

/**
 * Executes one operator command on a loop and returns the refusal, or null. The role check (viewers
 * may only watch) is the caller's; this holds every rule that needs the loop's state. A command that
 * throws (a bridge whose link broke mid-call) e-stops the robot rather than leave it driven blind.
 */
export function executeCommand(loop: ControlLoop, actor: Actor, cmd: RobotCommand, receivedAtMs?: number): Refusal | null {
  try {
    return run(loop, actor, cmd, receivedAtMs);
  } catch (err) {
    const reason = `${cmd.type} failed: ${(err as Error)?.message ?? String(err)}`;
    try { loop.request({ type: 'estop', actor: null, reason }); } catch { /* the estop itself failed; the refusal still goes out */ }
    return { code: 'TKO_ERR_INTERNAL', message: `${reason}; robot e-stopped` };
  }
}

function run(loop: ControlLoop, actor: Actor, cmd: RobotCommand, receivedAtMs?: number): Refusal | null {
  if (cmd.leaseRequired && loop.lease !== actor.operatorId) {
    const held = loop.lease === null ? 'nobody holds the lease' : `the lease is held by '${loop.lease}'`;
    return { code: 'TKO_ERR_NOT_LEASE_HOLDER', message: `${held}: take_over over a live WebSocket session first` };
  }
  switch (cmd.type) {
    case 'take_over': return loop.request({ type: 'take_over', actor, force: cmd.force });
    case 'hand_back': return loop.request({ type: 'hand_back', actor });
    case 'pause': return loop.request({ type: 'pause', actor });
    case 'resume': return loop.request({ type: 'resume', actor });
    case 'estop': return loop.request({ type: 'estop', actor });
    case 'reset_estop': return loop.request({ type: 'reset_estop', actor });
    case 'teleop':
      // implicit take-over (opted in per message): moving the input on a robot nobody holds takes it
      // over first, under the arbiter's rules; a lease someone else holds refuses the teleop as before
      if (cmd.takeOver && loop.lease === null && (loop.mode === 'AUTONOMOUS' || loop.mode === 'PAUSED')) {
        const refused = loop.request({ type: 'take_over', actor });
        if (refused) return refused;
      }
      return loop.teleop(actor.operatorId, cmd.kind === 'delta' ? { kind: 'delta', action: cmd.action } : { kind: 'pose', pos: cmd.pos, quat: cmd.quat, gripper: cmd.gripper }, receivedAtMs);
    case 'rewind': {
      if ((cmd.toStep === undefined) === (cmd.seconds === undefined)) {
        return { code: 'TKO_ERR_INVALID_MESSAGE', message: 'rewind takes exactly one of toStep or seconds' };
      }
      return loop.rewind(actor, cmd.toStep !== undefined ? { toStep: cmd.toStep } : { seconds: cmd.seconds! });
    }
    case 'dismiss_help': return loop.dismissHelp(actor);
    case 'reset_episode':
    case 'mark_outcome': {
      if (loop.lease !== null && loop.lease !== actor.operatorId && actor.role !== 'admin') {
        return { code: 'TKO_ERR_LEASE_HELD', message: `robot is held by operator '${loop.lease}'` };
      }
      // a reset moves the arm (a sim jumps to the new scene): never while the stop is latched
      if (loop.mode === 'ESTOP') return { code: 'TKO_ERR_ESTOP_LATCHED', message: `robot is e-stopped; reset_estop before ${cmd.type}` };
      if (cmd.type === 'mark_outcome') return loop.markOutcome(cmd.outcome, actor.operatorId, cmd.episodeId);
      loop.resetEpisode(cmd.seed, actor.operatorId);
      return null;
    }
    default:
      return { code: 'TKO_ERR_UNKNOWN_TYPE', message: 'unhandled message type' };
  }
}

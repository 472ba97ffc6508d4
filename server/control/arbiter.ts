import type { Mode, Source } from '../../core/mode.ts';
import type { ErrorCode } from '../../protocol/error-codes.ts';

/** Token roles, ordered: each role may do everything the ones before it may. */
export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` is at least `needed`. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** Who asks for a transition. */
export interface Actor {
  operatorId: string;
  role: Role;
}

/** Mode and control lease of one robot, plus why it is in this mode. */
export interface ArbiterState {
  mode: Mode;
  /** operator id holding the control lease, null when the policy may run unsupervised */
  lease: string | null;
  reason: string;
  /** in ESTOP: the operator who pressed it (null: the system stopped the robot) */
  estopBy?: string | null;
}

/**
 * Who may reset an e-stop (docs/configuration.md `estopReset`): `presser-or-admin` — the operator
 * who pressed it or an admin (a system stop: the lease holder, or anyone when nobody holds it, or an
 * admin); `any-operator` — any operator the lease does not block.
 */
export type EstopResetRule = 'presser-or-admin' | 'any-operator';

/** Site rules the arbiter applies. */
export interface ArbiterRules {
  estopReset: EstopResetRule;
}

export const DEFAULT_ARBITER_RULES: ArbiterRules = { estopReset: 'presser-or-admin' };

export type ArbiterEvent =
  | { type: 'take_over'; actor: Actor; force?: boolean }
  | { type: 'hand_back'; actor: Actor }
  | { type: 'pause'; actor: Actor }
  | { type: 'resume'; actor: Actor }
  | { type: 'estop'; actor: Actor | null; reason?: string }
  | { type: 'reset_estop'; actor: Actor }
  | { type: 'rewind'; actor: Actor }
  | { type: 'rewind_done' }
  | { type: 'heartbeat_timeout' }
  | { type: 'operator_gone'; operatorId: string }
  | { type: 'bad_input'; operatorId: string }
  | { type: 'robot_unavailable'; reason: string }
  | { type: 'robot_available' }
  | { type: 'help_pause'; reason: string }
  | { type: 'help_moot'; why: string };

export type Decision =
  | { ok: true; state: ArbiterState; changed: boolean }
  | { ok: false; state: ArbiterState; code: ErrorCode; message: string };

/** The state a robot starts in: AUTONOMOUS, or PAUSED with `pausedReason` (e.g. after an unclean shutdown). */
export function initialArbiterState(pausedReason?: string): ArbiterState {
  return pausedReason ? { mode: 'PAUSED', lease: null, reason: pausedReason } : { mode: 'AUTONOMOUS', lease: null, reason: 'start' };
}

/** Which source drives the arm in a mode (docs/architecture.md "The control tick"). */
export function sourceFor(mode: Mode): Source {
  if (mode === 'AUTONOMOUS') return 'policy';
  if (mode === 'INTERVENING' || mode === 'REWINDING') return 'operator';
  return 'none';
}

function refuse(state: ArbiterState, code: ErrorCode, message: string): Decision {
  return { ok: false, state, code, message };
}

function to(state: ArbiterState, mode: Mode, lease: string | null, reason: string): Decision {
  const changed = state.mode !== mode || state.lease !== lease;
  return { ok: true, state: changed ? withEstopBy(state, { mode, lease, reason }) : state, changed };
}

/** A next state that stays in ESTOP keeps who pressed it. */
function withEstopBy(from: ArbiterState, next: ArbiterState): ArbiterState {
  return next.mode === 'ESTOP' && from.mode === 'ESTOP' && from.estopBy !== undefined ? { ...next, estopBy: from.estopBy } : next;
}

/** Refusal when `actor` may not reset the current e-stop under `rule`. */
function estopResetBlocks(state: ArbiterState, actor: Actor, rule: EstopResetRule): Decision | null {
  if (rule === 'any-operator' || actor.role === 'admin') return leaseBlocks(state, actor);
  const presser = state.estopBy ?? null;
  if (presser === null) return leaseBlocks(state, actor);
  if (presser !== actor.operatorId) return refuse(state, 'TKO_ERR_FORBIDDEN', `the e-stop was pressed by '${presser}': only they or an admin may reset it`);
  return null;
}

/** Refusal when the lease belongs to someone else; admins pass (they may always intervene). */
function leaseBlocks(state: ArbiterState, actor: Actor): Decision | null {
  if (state.lease !== null && state.lease !== actor.operatorId && actor.role !== 'admin') {
    return refuse(state, 'TKO_ERR_LEASE_HELD', `robot is held by operator '${state.lease}'`);
  }
  return null;
}

/**
 * The arbiter: a pure transition function over (mode, lease). Every refusal carries a code and a
 * message naming why; every accepted transition records its reason.
 */
export function arbitrate(state: ArbiterState, ev: ArbiterEvent, rules: ArbiterRules = DEFAULT_ARBITER_RULES): Decision {
  if ('actor' in ev && ev.actor && !roleAtLeast(ev.actor.role, 'operator')) {
    return refuse(state, 'TKO_ERR_FORBIDDEN', `role '${ev.actor.role}' may only watch`);
  }
  switch (ev.type) {
    case 'take_over': {
      const { actor } = ev;
      if (state.lease !== null && state.lease !== actor.operatorId) {
        if (!ev.force) return refuse(state, 'TKO_ERR_LEASE_HELD', `robot is held by operator '${state.lease}'`);
        if (actor.role !== 'admin') return refuse(state, 'TKO_ERR_LEASE_HELD', `robot is held by operator '${state.lease}'; only an admin may force`);
      }
      if (state.mode === 'ESTOP') return refuse(state, 'TKO_ERR_ESTOP_LATCHED', 'robot is e-stopped; reset_estop first');
      if (state.mode === 'REWINDING' && state.lease === actor.operatorId) return to(state, 'REWINDING', actor.operatorId, state.reason);
      const reason = state.lease !== null && state.lease !== actor.operatorId ? `take_over forced by '${actor.operatorId}' from '${state.lease}'` : `take_over by '${actor.operatorId}'`;
      return to(state, 'INTERVENING', actor.operatorId, reason);
    }
    case 'hand_back': {
      const { actor } = ev;
      if (state.lease === null) return refuse(state, 'TKO_ERR_NOT_LEASE_HOLDER', 'nobody holds the lease');
      if (state.lease !== actor.operatorId && actor.role !== 'admin') return refuse(state, 'TKO_ERR_NOT_LEASE_HOLDER', `the lease is held by '${state.lease}'`);
      if (state.mode === 'ESTOP') return to(state, 'ESTOP', null, `hand_back by '${actor.operatorId}' (still e-stopped)`);
      if (state.mode === 'REWINDING') return refuse(state, 'TKO_ERR_BAD_TRANSITION', 'wait for the rewind to finish');
      return to(state, 'AUTONOMOUS', null, `hand_back by '${actor.operatorId}'`);
    }
    case 'pause': {
      const blocked = leaseBlocks(state, ev.actor);
      if (blocked) return blocked;
      if (state.mode === 'ESTOP') return refuse(state, 'TKO_ERR_ESTOP_LATCHED', 'robot is e-stopped');
      return to(state, 'PAUSED', state.lease, `pause by '${ev.actor.operatorId}'`);
    }
    case 'resume': {
      const blocked = leaseBlocks(state, ev.actor);
      if (blocked) return blocked;
      if (state.mode === 'ESTOP') return refuse(state, 'TKO_ERR_ESTOP_LATCHED', 'robot is e-stopped; reset_estop first');
      if (state.mode !== 'PAUSED') return refuse(state, 'TKO_ERR_BAD_TRANSITION', `cannot resume from ${state.mode}`);
      return to(state, state.lease !== null ? 'INTERVENING' : 'AUTONOMOUS', state.lease, `resume by '${ev.actor.operatorId}'`);
    }
    case 'estop': {
      // Anyone at operator level (or the system) may stop any robot, lease or not.
      const who = ev.actor ? `'${ev.actor.operatorId}'` : 'system';
      if (state.mode === 'ESTOP') return { ok: true, state, changed: false };
      const reason = ev.reason ? `estop by ${who}: ${ev.reason}` : `estop by ${who}`;
      return { ok: true, state: { mode: 'ESTOP', lease: state.lease, reason, estopBy: ev.actor?.operatorId ?? null }, changed: true };
    }
    case 'reset_estop': {
      if (state.mode !== 'ESTOP') return leaseBlocks(state, ev.actor) ?? refuse(state, 'TKO_ERR_BAD_TRANSITION', `not e-stopped (mode ${state.mode})`);
      const blocked = estopResetBlocks(state, ev.actor, rules.estopReset);
      if (blocked) return blocked;
      // Leaving ESTOP lands in PAUSED: motion restarts only on a further explicit command.
      return { ok: true, state: { mode: 'PAUSED', lease: state.lease, reason: `reset_estop by '${ev.actor.operatorId}'` }, changed: true };
    }
    case 'rewind': {
      const blocked = leaseBlocks(state, ev.actor);
      if (blocked) return blocked;
      if (state.mode === 'ESTOP') return refuse(state, 'TKO_ERR_ESTOP_LATCHED', 'robot is e-stopped');
      return to(state, 'REWINDING', ev.actor.operatorId, `rewind by '${ev.actor.operatorId}'`);
    }
    case 'rewind_done': {
      if (state.mode !== 'REWINDING') return refuse(state, 'TKO_ERR_BAD_TRANSITION', `not rewinding (mode ${state.mode})`);
      // After a rewind the operator corrects (docs/architecture.md): INTERVENING.
      return { ok: true, state: { mode: 'INTERVENING', lease: state.lease, reason: 'rewind done' }, changed: true };
    }
    case 'heartbeat_timeout': {
      if (state.mode !== 'INTERVENING' && state.mode !== 'REWINDING') return { ok: true, state, changed: false };
      return { ok: true, state: { mode: 'PAUSED', lease: state.lease, reason: 'heartbeat_timeout' }, changed: true };
    }
    case 'operator_gone': {
      if (state.lease !== ev.operatorId) return { ok: true, state, changed: false };
      const mode = state.mode === 'INTERVENING' || state.mode === 'REWINDING' ? 'PAUSED' : state.mode;
      return { ok: true, state: withEstopBy(state, { mode, lease: null, reason: 'operator_disconnected' }), changed: true };
    }
    case 'robot_unavailable': {
      // A real arm lost its link, its joint state or its object poses: hold, keep the lease; an
      // operator resumes. A paused robot shows the current reason (the caller sends a new cause
      // once, not a growing age every tick).
      const moving = state.mode === 'AUTONOMOUS' || state.mode === 'INTERVENING' || state.mode === 'REWINDING';
      const reason = `robot unavailable: ${ev.reason}`;
      if (!moving && (state.mode !== 'PAUSED' || state.reason === reason)) return { ok: true, state, changed: false };
      return { ok: true, state: { mode: 'PAUSED', lease: state.lease, reason }, changed: true };
    }
    case 'robot_available': {
      // the cause is gone, but the robot stays paused until an operator resumes: say so, not the old cause
      if (state.mode !== 'PAUSED' || !state.reason.startsWith('robot unavailable')) return { ok: true, state, changed: false };
      return { ok: true, state: { ...state, reason: 'robot available again; paused until an operator resumes' }, changed: true };
    }
    case 'help_pause': {
      // the policy asks for help and the robot is configured to wait: only a robot the policy drives pauses
      if (state.mode !== 'AUTONOMOUS') return { ok: true, state, changed: false };
      return { ok: true, state: { mode: 'PAUSED', lease: state.lease, reason: `help: ${ev.reason}` }, changed: true };
    }
    case 'help_moot': {
      // a pause that only waited on a help request which no longer stands (its episode ended): the
      // policy drives again; any other pause (an operator's, a lost heartbeat) stays
      if (state.mode !== 'PAUSED' || state.lease !== null || !state.reason.startsWith('help: ')) return { ok: true, state, changed: false };
      return { ok: true, state: { mode: 'AUTONOMOUS', lease: null, reason: ev.why }, changed: true };
    }
    case 'bad_input': {
      if (state.lease !== ev.operatorId || (state.mode !== 'INTERVENING' && state.mode !== 'REWINDING')) return { ok: true, state, changed: false };
      return { ok: true, state: { mode: 'PAUSED', lease: state.lease, reason: 'bad_input' }, changed: true };
    }
  }
}

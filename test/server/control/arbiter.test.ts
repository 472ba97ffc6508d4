import { describe, expect, it } from 'vitest';
import { arbitrate, initialArbiterState, sourceFor, type Actor, type ArbiterEvent, type ArbiterState } from '../../../server/control/arbiter.ts';
import type { Mode } from '../../../core/mode.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
const bob: Actor = { operatorId: 'bob', role: 'operator' };
const root: Actor = { operatorId: 'root', role: 'admin' };
const eve: Actor = { operatorId: 'eve', role: 'viewer' };

const s = (mode: Mode, lease: string | null = null): ArbiterState => ({ mode, lease, reason: 'test' });

type Row = [name: string, from: ArbiterState, ev: ArbiterEvent, expectMode: Mode | null, expectLease: string | null | undefined, expectCode?: string];

// [name, from, event, mode after (null = refused), lease after, refusal code]
const table: Row[] = [
  ['take over from the policy', s('AUTONOMOUS'), { type: 'take_over', actor: alice }, 'INTERVENING', 'alice'],
  ['take over again is a no-op', s('INTERVENING', 'alice'), { type: 'take_over', actor: alice }, 'INTERVENING', 'alice'],
  ['take over from a pause', s('PAUSED'), { type: 'take_over', actor: alice }, 'INTERVENING', 'alice'],
  ['second operator refused', s('INTERVENING', 'alice'), { type: 'take_over', actor: bob }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['second operator cannot force', s('INTERVENING', 'alice'), { type: 'take_over', actor: bob, force: true }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['admin without force refused', s('INTERVENING', 'alice'), { type: 'take_over', actor: root }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['admin forces the lease', s('INTERVENING', 'alice'), { type: 'take_over', actor: root, force: true }, 'INTERVENING', 'root'],
  ['viewer cannot take over', s('AUTONOMOUS'), { type: 'take_over', actor: eve }, null, undefined, 'TKO_ERR_FORBIDDEN'],
  ['viewer cannot estop', s('AUTONOMOUS'), { type: 'estop', actor: eve }, null, undefined, 'TKO_ERR_FORBIDDEN'],
  ['take over in estop refused', s('ESTOP'), { type: 'take_over', actor: alice }, null, undefined, 'TKO_ERR_ESTOP_LATCHED'],
  ['hand back', s('INTERVENING', 'alice'), { type: 'hand_back', actor: alice }, 'AUTONOMOUS', null],
  ['hand back by non-holder', s('INTERVENING', 'alice'), { type: 'hand_back', actor: bob }, null, undefined, 'TKO_ERR_NOT_LEASE_HOLDER'],
  ['hand back with no lease', s('AUTONOMOUS'), { type: 'hand_back', actor: alice }, null, undefined, 'TKO_ERR_NOT_LEASE_HOLDER'],
  ['admin hands back for someone', s('INTERVENING', 'alice'), { type: 'hand_back', actor: root }, 'AUTONOMOUS', null],
  ['hand back in estop keeps the latch', s('ESTOP', 'alice'), { type: 'hand_back', actor: alice }, 'ESTOP', null],
  ['hand back while rewinding refused', s('REWINDING', 'alice'), { type: 'hand_back', actor: alice }, null, undefined, 'TKO_ERR_BAD_TRANSITION'],
  ['pause the policy', s('AUTONOMOUS'), { type: 'pause', actor: alice }, 'PAUSED', null],
  ['pause own intervention', s('INTERVENING', 'alice'), { type: 'pause', actor: alice }, 'PAUSED', 'alice'],
  ['pause someone else\'s robot', s('INTERVENING', 'alice'), { type: 'pause', actor: bob }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['pause in estop refused', s('ESTOP'), { type: 'pause', actor: alice }, null, undefined, 'TKO_ERR_ESTOP_LATCHED'],
  ['resume to the policy', s('PAUSED'), { type: 'resume', actor: alice }, 'AUTONOMOUS', null],
  ['resume to the lease holder', s('PAUSED', 'alice'), { type: 'resume', actor: alice }, 'INTERVENING', 'alice'],
  ['resume when not paused', s('AUTONOMOUS'), { type: 'resume', actor: alice }, null, undefined, 'TKO_ERR_BAD_TRANSITION'],
  ['resume in estop refused', s('ESTOP'), { type: 'resume', actor: alice }, null, undefined, 'TKO_ERR_ESTOP_LATCHED'],
  ['resume someone else\'s pause', s('PAUSED', 'alice'), { type: 'resume', actor: bob }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['estop from autonomous', s('AUTONOMOUS'), { type: 'estop', actor: bob }, 'ESTOP', null],
  ['estop by anyone keeps the lease', s('INTERVENING', 'alice'), { type: 'estop', actor: bob }, 'ESTOP', 'alice'],
  ['system estop', s('REWINDING', 'alice'), { type: 'estop', actor: null, reason: 'bridge fault' }, 'ESTOP', 'alice'],
  ['estop is latched against resume', s('ESTOP', 'alice'), { type: 'resume', actor: alice }, null, undefined, 'TKO_ERR_ESTOP_LATCHED'],
  ['estop is latched against heartbeat events', s('ESTOP', 'alice'), { type: 'heartbeat_timeout' }, 'ESTOP', 'alice'],
  ['reset estop lands in pause', s('ESTOP', 'alice'), { type: 'reset_estop', actor: alice }, 'PAUSED', 'alice'],
  ['reset estop by a non-holder', s('ESTOP', 'alice'), { type: 'reset_estop', actor: bob }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['reset estop by admin', s('ESTOP', 'alice'), { type: 'reset_estop', actor: root }, 'PAUSED', 'alice'],
  ['reset estop when not stopped', s('PAUSED'), { type: 'reset_estop', actor: alice }, null, undefined, 'TKO_ERR_BAD_TRANSITION'],
  ['heartbeat timeout holds an intervention', s('INTERVENING', 'alice'), { type: 'heartbeat_timeout' }, 'PAUSED', 'alice'],
  ['heartbeat timeout holds a rewind', s('REWINDING', 'alice'), { type: 'heartbeat_timeout' }, 'PAUSED', 'alice'],
  ['heartbeat timeout ignores the policy', s('AUTONOMOUS'), { type: 'heartbeat_timeout' }, 'AUTONOMOUS', null],
  ['holder disconnects: hold and free the lease', s('INTERVENING', 'alice'), { type: 'operator_gone', operatorId: 'alice' }, 'PAUSED', null],
  ['other operator disconnects: nothing', s('INTERVENING', 'alice'), { type: 'operator_gone', operatorId: 'bob' }, 'INTERVENING', 'alice'],
  ['holder disconnect in estop stays latched', s('ESTOP', 'alice'), { type: 'operator_gone', operatorId: 'alice' }, 'ESTOP', null],
  ['bad input from the holder holds', s('INTERVENING', 'alice'), { type: 'bad_input', operatorId: 'alice' }, 'PAUSED', 'alice'],
  ['bad input from another operator: nothing', s('INTERVENING', 'alice'), { type: 'bad_input', operatorId: 'bob' }, 'INTERVENING', 'alice'],
  ['rewind takes the lease', s('AUTONOMOUS'), { type: 'rewind', actor: alice }, 'REWINDING', 'alice'],
  ['rewind someone else\'s robot', s('INTERVENING', 'alice'), { type: 'rewind', actor: bob }, null, undefined, 'TKO_ERR_LEASE_HELD'],
  ['rewind in estop', s('ESTOP'), { type: 'rewind', actor: alice }, null, undefined, 'TKO_ERR_ESTOP_LATCHED'],
  ['rewind done: the operator corrects', s('REWINDING', 'alice'), { type: 'rewind_done' }, 'INTERVENING', 'alice'],
  ['rewind done when not rewinding', s('AUTONOMOUS'), { type: 'rewind_done' }, null, undefined, 'TKO_ERR_BAD_TRANSITION'],
  ['help pause: the policy waits', s('AUTONOMOUS'), { type: 'help_pause', reason: 'novelty' }, 'PAUSED', null],
  ['help pause while an operator drives: nothing', s('INTERVENING', 'alice'), { type: 'help_pause', reason: 'novelty' }, 'INTERVENING', 'alice'],
  ['a moot help pause lifts', { mode: 'PAUSED', lease: null, reason: 'help: novelty' }, { type: 'help_moot', why: 'new episode' }, 'AUTONOMOUS', null],
  ['an operator\'s pause is not a help pause', { mode: 'PAUSED', lease: null, reason: "pause by 'alice'" }, { type: 'help_moot', why: 'new episode' }, 'PAUSED', null],
  ['a held help pause stays', { mode: 'PAUSED', lease: 'alice', reason: 'help: novelty' }, { type: 'help_moot', why: 'new episode' }, 'PAUSED', 'alice'],
  ['help moot in estop: nothing', s('ESTOP'), { type: 'help_moot', why: 'new episode' }, 'ESTOP', null],
];

describe('arbitrate', () => {
  it.each(table)('%s', (_name, from, ev, mode, lease, code) => {
    const d = arbitrate(from, ev);
    if (mode === null) {
      expect(d.ok).toBe(false);
      if (!d.ok) {
        expect(d.code).toBe(code);
        expect(d.message.length).toBeGreaterThan(0);
      }
      expect(d.state).toBe(from);
    } else {
      expect(d.ok).toBe(true);
      expect(d.state.mode).toBe(mode);
      expect(d.state.lease).toBe(lease);
      if (d.ok && d.changed) expect(d.state.reason).not.toBe('test');
    }
  });

  it('never mutates the input state', () => {
    const from = Object.freeze(s('INTERVENING', 'alice'));
    for (const [, , ev] of table) arbitrate(from, ev);
    expect(from).toEqual(s('INTERVENING', 'alice'));
  });

  it('lets the presser or an admin reset an e-stop by default, any operator when configured', () => {
    const stopped = arbitrate(s('INTERVENING', 'alice'), { type: 'estop', actor: bob }).state;
    expect(stopped).toMatchObject({ mode: 'ESTOP', lease: 'alice', estopBy: 'bob' });
    // the lease holder is not the presser
    expect(arbitrate(stopped, { type: 'reset_estop', actor: alice })).toMatchObject({ ok: false, code: 'TKO_ERR_FORBIDDEN' });
    expect(arbitrate(stopped, { type: 'reset_estop', actor: bob }).state).toMatchObject({ mode: 'PAUSED', lease: 'alice' });
    expect(arbitrate(stopped, { type: 'reset_estop', actor: root }).state.mode).toBe('PAUSED');
    expect(arbitrate(stopped, { type: 'reset_estop', actor: alice }, { estopReset: 'any-operator' }).state.mode).toBe('PAUSED');
    // who pressed it survives the holder leaving
    const gone = arbitrate(stopped, { type: 'operator_gone', operatorId: 'alice' }).state;
    expect(gone).toMatchObject({ mode: 'ESTOP', lease: null, estopBy: 'bob' });
    expect(arbitrate(gone, { type: 'reset_estop', actor: alice })).toMatchObject({ ok: false, code: 'TKO_ERR_FORBIDDEN' });
    // a stop the system made: whoever may command the robot
    const system = arbitrate(s('AUTONOMOUS'), { type: 'estop', actor: null, reason: 'tick failed' }).state;
    expect(arbitrate(system, { type: 'reset_estop', actor: alice }).state.mode).toBe('PAUSED');
  });

  it('starts PAUSED with a reason when asked (after an unclean shutdown)', () => {
    expect(initialArbiterState()).toEqual({ mode: 'AUTONOMOUS', lease: null, reason: 'start' });
    expect(initialArbiterState('unclean shutdown')).toEqual({ mode: 'PAUSED', lease: null, reason: 'unclean shutdown' });
  });

  it('maps modes to sources', () => {
    expect(sourceFor('AUTONOMOUS')).toBe('policy');
    expect(sourceFor('INTERVENING')).toBe('operator');
    expect(sourceFor('REWINDING')).toBe('operator');
    expect(sourceFor('PAUSED')).toBe('none');
    expect(sourceFor('ESTOP')).toBe('none');
  });
});

import { describe, expect, it } from 'vitest';
import { arbitrate } from '../../../../server/control/arbiter.ts';
import { backoffDelay } from '../../../../server/robots/ros/backoff.ts';
import { resolveRosConfig } from '../../../../server/robots/ros/ros-config.ts';
import { assessHealth } from '../../../../server/robots/ros/ros-health.ts';

const base = { link: 'open' as const, now: 10, drainedAt: 10, lastStateAt: 9.9, staleAfter: 0.2, awaitingResume: false, topic: '/joint_states' };

describe('assessHealth', () => {
  it.each([
    [{}, true, ''],
    [{ lastStateAt: 9.8 }, true, ''],
    [{ lastStateAt: 9.75 }, false, 'joint state stale: nothing on /joint_states for 0.250 s (limit 0.2 s)'],
    // the loop stalled after 9.9 s: what came since waits unread in the socket
    [{ lastStateAt: 9.75, drainedAt: 9.9 }, true, ''],
    [{ lastStateAt: 9.75, drainedAt: -Infinity }, true, ''],
    [{ lastStateAt: 9.5, drainedAt: 9.8 }, false, 'joint state stale: nothing on /joint_states for 0.300 s (limit 0.2 s)'],
    [{ lastStateAt: 9.75, drainedAt: 11 }, false, 'joint state stale: nothing on /joint_states for 0.250 s (limit 0.2 s)'], // never past now
    [{ lastStateAt: -Infinity }, false, 'no joint state received on /joint_states yet'],
    [{ lastStateAt: -Infinity, drainedAt: -Infinity }, false, 'no joint state received on /joint_states yet'],
    [{ link: 'reconnecting' }, false, 'rosbridge connection lost; reconnecting'],
    [{ link: 'reconnecting', drainedAt: 9 }, false, 'rosbridge connection lost; reconnecting'], // a lost link is not excused by a stall
    [{ link: 'closed' }, false, 'not connected to rosbridge'],
    [{ link: 'closed', drainedAt: -Infinity }, false, 'not connected to rosbridge'],
    [{ awaitingResume: true }, false, 'rosbridge reconnected; holding until an operator resumes'],
  ] as const)('%j -> ready %s', (over, ready, reason) => {
    const h = assessHealth({ ...base, ...over });
    expect(h.ready).toBe(ready);
    expect(h.reason).toBe(reason);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    const o = { initialDelay: 0.25, maxDelay: 5, factor: 2 };
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((a) => backoffDelay(a, o))).toEqual([0.25, 0.5, 1, 2, 4, 5, 5, 5]);
  });
});

describe('resolveRosConfig', () => {
  const ok = { url: 'ws://robot:9090', jointNames: ['a', 'b'], command: { interface: 'position_controller', topic: '/c' }, urdf: { param: 'robot_description' }, eeLink: 'tool0' };
  it('fills defaults', () => {
    expect(resolveRosConfig('r', ok)).toMatchObject({ rosVersion: 2, jointStateTopic: '/joint_states', staleAfter: 0.2, reconnect: { initialDelay: 0.25, maxDelay: 5, factor: 2 } });
  });
  it.each([
    [{ url: 'http://x' }, /ros\.url/],
    [{ jointNames: [] }, /ros\.jointNames/],
    [{ command: { interface: 'position_controller', topic: '/c', jointOrder: ['a', 'z'] } }, /jointOrder must list the same joints/],
    [{ staleAfter: -1 }, /ros\.staleAfter/],
    [{ extra: 1 }, /robot 'r': ros/],
  ])('rejects %j naming the field', (over, msg) => {
    expect(() => resolveRosConfig('r', { ...ok, ...over })).toThrow(msg);
  });
});

describe("arbiter event 'robot_unavailable' (a MonitoredBridge that is not ready)", () => {
  const ev = { type: 'robot_unavailable' as const, reason: 'rosbridge connection lost; reconnecting' };
  it.each([
    [{ mode: 'AUTONOMOUS', lease: null, reason: 'start' }, 'PAUSED', true],
    [{ mode: 'INTERVENING', lease: 'alice', reason: 'take_over' }, 'PAUSED', true],
    [{ mode: 'REWINDING', lease: 'alice', reason: 'rewind' }, 'PAUSED', true],
    [{ mode: 'PAUSED', lease: 'alice', reason: 'pause by alice' }, 'PAUSED', true],
    // paused by an earlier cause: the reason becomes the current one
    [{ mode: 'PAUSED', lease: 'alice', reason: 'robot unavailable: joint state stale' }, 'PAUSED', true],
    [{ mode: 'PAUSED', lease: 'alice', reason: 'robot unavailable: rosbridge connection lost; reconnecting' }, 'PAUSED', false],
    [{ mode: 'ESTOP', lease: null, reason: 'estop' }, 'ESTOP', false],
  ] as const)('%j -> %s (changed %s), lease kept', (state, mode, changed) => {
    const d = arbitrate({ ...state }, ev);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.state.mode).toBe(mode);
    expect(d.state.lease).toBe(state.lease);
    expect(d.changed).toBe(changed);
    if (changed) expect(d.state.reason).toBe('robot unavailable: rosbridge connection lost; reconnecting');
  });
});

describe("arbiter event 'robot_available' (the cause is gone; the robot waits for a resume)", () => {
  it.each([
    [{ mode: 'PAUSED', lease: 'alice', reason: 'robot unavailable: joint state stale' }, true],
    [{ mode: 'PAUSED', lease: null, reason: 'pause by alice' }, false],
    [{ mode: 'AUTONOMOUS', lease: null, reason: 'start' }, false],
    [{ mode: 'ESTOP', lease: null, reason: 'estop' }, false],
  ] as const)('%j -> changed %s, mode and lease kept', (state, changed) => {
    const d = arbitrate({ ...state }, { type: 'robot_available' });
    expect(d.ok && d.changed).toBe(changed);
    expect(d.state).toMatchObject({ mode: state.mode, lease: state.lease });
    if (changed) expect(d.state.reason).toBe('robot available again; paused until an operator resumes');
  });
});

import { describe, expect, it } from 'vitest';
import { AvailabilityWatch } from '../../../server/control/availability-watch.ts';

const stale = (age: string) => ({ ready: false, reason: `joint state stale: nothing for ${age} s`, cause: 'state-stale' });
const ok = { ready: true, reason: '', cause: '' };
const poseStale = { ready: true, reason: '', cause: '', policyInputs: { ready: false, reason: "object pose 'cube' stale", cause: 'stale:cube' } };

describe('AvailabilityWatch: arbiter events that keep the mode reason current', () => {
  it('sends a cause once while paused by it (a growing age is not news), a new cause, then availability', () => {
    const w = new AvailabilityWatch();
    expect(w.next(stale('0.25'), 'AUTONOMOUS', 'start')).toEqual({ type: 'robot_unavailable', reason: 'joint state stale: nothing for 0.25 s' });
    expect(w.next(stale('0.30'), 'PAUSED', 'robot unavailable: joint state stale: nothing for 0.25 s')).toBeNull();
    const lost = { ready: false, reason: 'rosbridge connection lost; reconnecting', cause: 'link-lost' };
    expect(w.next(lost, 'PAUSED', 'robot unavailable: joint state stale: nothing for 0.25 s')).toEqual({ type: 'robot_unavailable', reason: lost.reason });
    expect(w.next(ok, 'PAUSED', `robot unavailable: ${lost.reason}`)).toEqual({ type: 'robot_available' });
    expect(w.next(ok, 'PAUSED', 'robot available again; paused until an operator resumes')).toBeNull();
  });

  it('an arm that is not ready pauses any motion; an operator pause gets the cause', () => {
    for (const mode of ['AUTONOMOUS', 'INTERVENING', 'REWINDING'] as const) expect(new AvailabilityWatch().next(stale('1'), mode, 'x')?.type).toBe('robot_unavailable');
    expect(new AvailabilityWatch().next(stale('1'), 'PAUSED', "pause by 'alice'")?.type).toBe('robot_unavailable');
  });

  it('stale object poses pause the policy only: an operator driving or rewinding goes on', () => {
    expect(new AvailabilityWatch().next(poseStale, 'AUTONOMOUS', 'start')).toEqual({ type: 'robot_unavailable', reason: "object pose 'cube' stale" });
    expect(new AvailabilityWatch().next(poseStale, 'INTERVENING', "take_over by 'alice'")).toBeNull();
    expect(new AvailabilityWatch().next(poseStale, 'REWINDING', 'rewind')).toBeNull();
    expect(new AvailabilityWatch().next(poseStale, 'PAUSED', "pause by 'alice'")).toBeNull();
  });
});

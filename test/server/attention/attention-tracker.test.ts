import { describe, expect, it } from 'vitest';
import type { HelpRequest } from '../../../protocol/messages.ts';
import type { AttentionInput } from '../../../server/attention/attention-items.ts';
import { AttentionTracker } from '../../../server/attention/attention-tracker.ts';

const ok = (id: string, over: Partial<AttentionInput> = {}): AttentionInput => ({
  id, mode: 'AUTONOMOUS', modeReason: '', configuredRateHz: 50, measuredRateHz: 50, rateOk: true, link: { ready: true, reason: '' }, ...over,
});
const help = (since: number): HelpRequest => ({ reason: 'ensemble disagreement 0.41 > 0.22', score: 0.41, threshold: 0.22, since, action: 'notify' });
const order = (t: AttentionTracker) => t.items.map((i) => `${i.robot}:${i.kind}`);

describe('AttentionTracker', () => {
  it('ranks a help request below an e-stop and above a pause, a slow loop and a failed episode', () => {
    const t = new AttentionTracker();
    t.update([ok('a'), ok('b'), ok('c'), ok('d'), ok('e')], 1000);
    expect(t.items).toEqual([]);
    t.event({ type: 'episode_end', robot: 'e', episodeId: 'ep-7', outcome: 'failure' }, 1001);
    expect(t.update([ok('a', { mode: 'PAUSED', modeReason: 'heartbeat_timeout' }), ok('b', { help: help(900) }), ok('c', { rateOk: false, measuredRateHz: 41.5 }), ok('d', { mode: 'ESTOP', modeReason: 'operator' }), ok('e')], 1002)).toBe(true);
    expect(order(t)).toEqual(['d:estop', 'b:help', 'a:paused', 'c:rate', 'e:failed_episode']);
    expect(t.items.find((i) => i.kind === 'help')).toMatchObject({ reason: 'ensemble disagreement 0.41 > 0.22', since: 900, help: { threshold: 0.22 } });
    expect(t.items.find((i) => i.kind === 'paused')!.reason).toBe('heartbeat lost');
    expect(t.items.find((i) => i.kind === 'rate')!.reason).toBe('loop at 41.5 Hz of 50 Hz');
  });

  it('keeps an item dated from when it was first seen, so older requests stay ahead', () => {
    const t = new AttentionTracker();
    t.update([ok('a', { mode: 'PAUSED', modeReason: 'heartbeat_timeout' }), ok('b')], 1000);
    t.update([ok('a', { mode: 'PAUSED', modeReason: 'heartbeat_timeout' }), ok('b', { mode: 'PAUSED', modeReason: 'bad_input' })], 2000);
    expect(t.update([ok('a', { mode: 'PAUSED', modeReason: 'heartbeat_timeout' }), ok('b', { mode: 'PAUSED', modeReason: 'bad_input' })], 3000)).toBe(false);
    expect(t.items.map((i) => [i.robot, i.since])).toEqual([['a', 1000], ['b', 2000]]);
    // a new help request goes ahead of both pauses, and once answered leaves
    t.update([ok('a', { mode: 'PAUSED', modeReason: 'heartbeat_timeout' }), ok('b', { mode: 'PAUSED', modeReason: 'bad_input', help: help(2500) })], 4000);
    expect(order(t)).toEqual(['b:help', 'a:paused', 'b:paused']);
    t.update([ok('a'), ok('b')], 5000);
    expect(t.items).toEqual([]);
  });

  it('applies an e-stop event at once and a snapshot built before it does not undo it', () => {
    const t = new AttentionTracker();
    t.update([ok('a')], 0);
    expect(t.event({ type: 'mode', robot: 'a', mode: 'ESTOP', lease: null, reason: 'operator' }, 10)).toBe(true);
    expect(order(t)).toEqual(['a:estop']);
    t.update([ok('a')], 300); // the older snapshot
    expect(order(t)).toEqual(['a:estop']);
    t.update([ok('a')], 2000); // well after: the snapshot speaks for the robot again
    expect(t.items).toEqual([]);
  });

  it('drops a failed episode when a later one succeeds or after the hold time', () => {
    const t = new AttentionTracker(5000);
    t.update([ok('a'), ok('b')], 0);
    t.event({ type: 'episode_end', robot: 'a', episodeId: 'x', outcome: 'failure' }, 100);
    t.event({ type: 'episode_end', robot: 'b', episodeId: 'y', outcome: 'failure' }, 100);
    expect(order(t)).toEqual(['a:failed_episode', 'b:failed_episode']);
    t.event({ type: 'episode_end', robot: 'a', episodeId: 'z', outcome: 'success' }, 200);
    expect(order(t)).toEqual(['b:failed_episode']);
    expect(t.tick(5200)).toBe(true);
    expect(t.items).toEqual([]);
  });

  it('flags a stale arm link on a moving robot, but not again on a paused one', () => {
    const t = new AttentionTracker();
    t.update([ok('a', { link: { ready: false, reason: 'joint states stale (250 ms)' } })], 0);
    expect(t.items[0]).toMatchObject({ kind: 'stale', reason: 'arm link: joint states stale (250 ms)' });
    t.update([ok('a', { mode: 'PAUSED', modeReason: 'robot_unavailable', link: { ready: false, reason: 'joint states stale (250 ms)' } })], 10);
    expect(t.items.map((i) => [i.kind, i.reason])).toEqual([['paused', 'arm unavailable: joint states stale (250 ms)']]);
  });
});

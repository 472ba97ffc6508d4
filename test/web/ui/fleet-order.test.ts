import { describe, expect, it } from 'vitest';
import type { AttentionItem } from '../../../protocol/messages.ts';
import { newAlerts } from '../../../web/ui/fleet-alerts.ts';
import { tileOrder, topItems } from '../../../web/ui/fleet-order.ts';

const item = (robot: string, kind: AttentionItem['kind'], since = 0): AttentionItem => ({ robot, kind, since, reason: kind, mode: 'AUTONOMOUS' });

describe('fleet tile order and alerts', () => {
  it('orders tiles by the queue (each robot once, at its most urgent item), then the rest as configured', () => {
    const queue = [item('c', 'estop'), item('a', 'help'), item('c', 'rate'), item('ghost', 'paused')];
    expect(tileOrder(['a', 'b', 'c', 'd'], queue)).toEqual(['c', 'a', 'b', 'd']);
    expect(topItems(queue).get('c')!.kind).toBe('estop');
  });

  it('alerts on a new e-stop, pause, stale link or help request, once, and on a help request raised again', () => {
    const before = [item('a', 'paused', 1)];
    expect(newAlerts(before, [item('a', 'paused', 1), item('b', 'estop', 2), item('c', 'rate', 2), item('d', 'failed_episode', 2)]).map((i) => i.robot)).toEqual(['b']);
    expect(newAlerts([item('a', 'help', 1)], [item('a', 'help', 1)])).toEqual([]);
    expect(newAlerts([item('a', 'help', 1)], [item('a', 'help', 5)])).toHaveLength(1);
    expect(newAlerts([], [item('s', 'stale', 1)])).toHaveLength(1);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignalThrottle } from '../../../server/control-plane/signal-throttle.ts';

describe('SignalThrottle', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('passes the first signal at once, a burst as one more at the window end, keys apart', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const t = new SignalThrottle(20, (k) => out.push(k));
    for (let i = 0; i < 1000; i++) t.signal('alice');
    t.signal('bob');
    expect(out).toEqual(['alice', 'bob']);
    vi.advanceTimersByTime(20);
    expect(out).toEqual(['alice', 'bob', 'alice']); // the burst's last is not lost; bob had no more
    vi.advanceTimersByTime(20);
    expect(out).toHaveLength(3); // quiet: nothing more
    t.signal('alice');
    expect(out).toHaveLength(4);
  });
});

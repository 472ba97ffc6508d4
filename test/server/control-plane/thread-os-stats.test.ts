import { describe, expect, it } from 'vitest';
import { ThreadOsStats } from '../../../server/control-plane/thread-os-stats.ts';

describe('ThreadOsStats', () => {
  it("counts this thread's CPU time and page faults since the last reset (Linux /proc/thread-self)", () => {
    const s = new ThreadOsStats();
    // fresh memory, touched page by page, and CPU to spend
    const big = new Float64Array(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 512) big[i] = i;
    let x = 0;
    const until = performance.now() + 30;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    const r = s.read();
    expect(r).not.toBeNull();
    expect(r!.minorFaults).toBeGreaterThan(100);
    expect(r!.cpuMs).toBeGreaterThan(10);
    expect(r!.voluntarySwitches + r!.involuntarySwitches).toBeGreaterThanOrEqual(0);
    s.reset();
    const after = s.read()!;
    expect(after.minorFaults).toBeLessThan(r!.minorFaults);
    expect(big[512]).toBe(512);
    expect(x).toBeGreaterThan(0);
  });
});

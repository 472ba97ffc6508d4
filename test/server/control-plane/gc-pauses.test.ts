import { describe, expect, it } from 'vitest';
import { GcPauses } from '../../../server/control-plane/gc-pauses.ts';

describe('GcPauses', () => {
  it('counts pauses, full collections and their largest, and starts over on reset', () => {
    const g = new GcPauses();
    g.record({ duration: 1.5, detail: { kind: 1 } });
    g.record({ duration: 12, detail: { kind: 4 } });
    g.record({ duration: 0.5 });
    expect(g.read()).toEqual({ count: 3, totalMs: 14, p99Ms: 12, maxMs: 12, major: 1 });
    g.reset();
    expect(g.read()).toEqual({ count: 0, totalMs: 0, p99Ms: null, maxMs: null, major: 0 });
  });

  it("observes this thread's real collections", async () => {
    const g = new GcPauses();
    g.start();
    // garbage enough for young-generation collections
    let keep = 0;
    for (let i = 0; i < 200; i++) keep += new Array(50_000).fill(i).length;
    await new Promise((r) => setTimeout(r, 50));
    g.stop();
    expect(keep).toBe(200 * 50_000);
    expect(g.read().count).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { fromActingSource } from '../../../server/control/action-source.ts';
import { createSimLoop } from '../../../server/control/sim-loop.ts';
import { SimBridge } from '../../../server/robots/sim-bridge.ts';
import { ScriptedExpert } from '../../../sim/scripted-expert.ts';

const qpos = (b: SimBridge) => Array.from(b.sim.data.qpos as Float64Array);

describe('SimBridge stepping between ticks', () => {
  it('takes at most the steps it is allowed, never anchors its clock, and ends where one full step would', async () => {
    const a = await SimBridge.create({ id: 'a', task: 'place', seed: 4 });
    const b = await SimBridge.create({ id: 'b', task: 'place', seed: 4 });
    // unanchored (just built, reset or restored): a bounded call leaves it to the tick
    expect(a.stepTo(5, 1)).toBe(0);
    expect(a.sim.time).toBe(0);
    a.stepTo(5);
    b.stepTo(5);
    // 10.5 physics steps later: one at a time, then less than one step behind
    const t = 5 + 0.021;
    const singles: number[] = [];
    for (let k = 0; k < 12; k++) singles.push(a.stepTo(t, 1));
    expect(singles).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(a.stepTo(t)).toBe(0);
    expect(b.stepTo(t)).toBe(10);
    // the same MuJoCo steps in the same order: bit for bit the same state
    expect(qpos(a)).toEqual(qpos(b));
    const snap = a.snapshot();
    a.stepTo(t + 0.01);
    a.restore(snap);
    expect(a.stepTo(t + 0.02, 1)).toBe(0);
    expect(qpos(a)).toEqual(qpos(b));
    a.dispose();
    b.dispose();
  });

  it('a live loop that steps its physics between ticks runs the same episode as one that steps it all in its ticks', async () => {
    const run = async (between: boolean) => {
      const { loop, clock, bridge } = await createSimLoop({ robotId: 'arm', task: 'place', policy: fromActingSource(new ScriptedExpert('place')) });
      expect(loop.betweenTicks()).toBe(false); // not started
      loop.start(7);
      let slices = 0;
      let state: number[] = [];
      for (let k = 0; k < 120; k++) {
        loop.tick();
        state = qpos(bridge);
        if (between) {
          clock.advance(loop.dt * 0.7);
          while (loop.betweenTicks()) slices++;
          clock.advance(loop.dt * 0.3);
        } else clock.advance(loop.dt);
      }
      const out = { q: Array.from(loop.obs!.q), step: loop.episode!.step, slices, state };
      bridge.dispose();
      return out;
    };
    const ticksOnly = await run(false);
    const sliced = await run(true);
    // at 20 Hz a period is 25 physics steps: 17 of them (0.7 of it) were taken between ticks
    expect(sliced.slices).toBe(120 * 17);
    expect(ticksOnly.slices).toBe(0);
    expect(sliced.step).toBe(ticksOnly.step);
    expect(sliced.q).toEqual(ticksOnly.q);
    expect(sliced.state).toEqual(ticksOnly.state);
  });
});

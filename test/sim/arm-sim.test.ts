import { beforeAll, describe, expect, it } from 'vitest';
import { ArmSim } from '../../sim/arm-sim.ts';

describe('ArmSim', () => {
  let sim: ArmSim;
  beforeAll(async () => {
    sim = await ArmSim.create({ task: 'place', seed: 3 });
  });

  it('builds the same scene from the same seed, and a different one from another seed', () => {
    sim.reset(42);
    const a = sim.observe();
    sim.reset(7);
    const b = sim.observe();
    sim.reset(42);
    const c = sim.observe();
    expect(c.objects).toEqual(a.objects);
    expect(b.objects).not.toEqual(a.objects);
    const cube = a.objects.find((o) => o.name === 'cube')!;
    expect(cube.pos[2]).toBeCloseTo(0.025, 3);
  });

  it('snapshot -> steps -> restore -> the same steps gives bit-identical state', () => {
    sim.reset(5);
    // get the arm moving and pressing on the table first, so contacts and warm-starts are in play
    sim.setCommand([0, 0.6, 0, -1.6, 0, 2.6, 0.8], 1);
    sim.step(500);
    sim.reset(5);
    sim.setCommand([0.2, -0.3, 0.1, -2.2, 0.1, 1.9, 0.9], 1);
    sim.step(300);
    const snap = sim.snapshot();
    const run = () => {
      const states: Float64Array[] = [];
      for (let k = 0; k < 5; k++) {
        sim.setCommand([0.25 + 0.01 * k, -0.2, 0.1, -2.1, 0.1, 1.9, 0.8], k % 2 ? 1 : -1);
        sim.step(50);
        states.push(sim.snapshot().state);
      }
      return states;
    };
    const first = run();
    sim.restore(snap);
    const second = run();
    expect(second.length).toBe(first.length);
    for (let k = 0; k < first.length; k++) {
      expect(Buffer.from(second[k].buffer).equals(Buffer.from(first[k].buffer))).toBe(true);
    }
    expect(sim.snapshot().state[0]).toBeGreaterThan(snap.state[0]);
  });

  it('rejects a snapshot from another model size', () => {
    expect(() => sim.restore({ state: new Float64Array(3), seed: 0, task: 'place' })).toThrow(/snapshot has 3 values/);
  });

  it('describes its bodies and geoms for a renderer, with body poses in the same order', () => {
    const d = sim.modelDescription();
    expect(d.format).toBe('geoms');
    expect(d.bodies.map((b) => b.name)).toContain('cube');
    expect(d.bodies.flatMap((b) => b.geoms).length).toBeGreaterThan(8);
    const poses = sim.bodyPoses();
    expect(poses.length).toBe(7 * d.bodies.length);
  });

  it('dispose frees its WASM memory: simulators built and disposed one after another do not grow the heap', async () => {
    // a typed-array view of MuJoCo data spans the whole WASM memory: its buffer's size is the heap's
    const heap = () => (sim.data.qpos as Float64Array).buffer.byteLength;
    const one = await ArmSim.create({ task: 'place', seed: 1 });
    const before = heap();
    one.dispose();
    one.dispose(); // a second call does nothing
    for (let i = 0; i < 10; i++) (await ArmSim.create({ task: 'place', seed: i })).dispose();
    // without dispose every simulator keeps about 26 MB: ten would add about 260 MB
    expect(heap() - before).toBeLessThan(26e6);
    expect(sim.observe().q.every(Number.isFinite)).toBe(true);
  });
});

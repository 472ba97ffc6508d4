import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sampleWeights, siriusClassWeights, iwrClassWeights, parseWeighting } from '../../policies/sirius-weights.ts';

/** Builds a label array with the given count of each class (demo -1, robot 0, intv 1, pre -10). */
function labels(demo: number, robot: number, intv: number, pre: number): Int8Array {
  return Int8Array.from([...Array(demo).fill(-1), ...Array(robot).fill(0), ...Array(intv).fill(1), ...Array(pre).fill(-10)]);
}
const mean = (w: Float32Array) => w.reduce((s, x) => s + x, 0) / w.length;

describe('Sirius weights', () => {
  it('match the reference formulas without demos, every other class present', () => {
    // N = 1000: 750 robot, 200 intervention, 50 pre-intervention
    const w = sampleWeights('sirius', labels(0, 750, 200, 50));
    const r = { robot: 0.75, intv: 0.2, pre: 0.05 };
    expect(w[0]).toBeCloseTo((1 - 0.5 - 0.002) / r.robot, 6);
    expect(w[750]).toBeCloseTo(0.5 / r.intv, 6);
    expect(w[950]).toBeCloseTo(0.002 / r.pre, 6);
    expect(mean(w)).toBeCloseTo(1, 5);
  });

  it('with demos: demos weigh 1, the shares are taken over non-demo data', () => {
    // N = 1000: 200 demo, then 800 non-demo: 600 robot, 150 intervention, 50 pre-intervention
    const w = sampleWeights('sirius', labels(200, 600, 150, 50));
    const r = { robot: 600 / 800, intv: 150 / 800, pre: 50 / 800 };
    expect(w[0]).toBeCloseTo(1, 6);
    expect(w[200]).toBeCloseTo(0.498 / r.robot, 6);
    expect(w[800]).toBeCloseTo(0.5 / r.intv, 6);
    expect(w[950]).toBeCloseTo(0.002 / r.pre, 6);
    expect(mean(w)).toBeCloseTo(1, 5);
    // interventions carry half of the non-demo weight
    const intvWeight = w.slice(800, 950).reduce((a, b) => a + b, 0);
    expect(intvWeight / 800).toBeCloseTo(0.5, 4);
  });

  it('an empty class gets weight 0, no NaN, and the mean stays 1', () => {
    // no pre-intervention, no demos
    const w = sampleWeights('sirius', labels(0, 800, 200, 0));
    expect(w.every(Number.isFinite)).toBe(true);
    // shares present: intv 0.5, robot 0.498 -> rescaled by 1/0.998
    expect(w[0]).toBeCloseTo(0.498 / 0.998 / 0.8, 6);
    expect(w[800]).toBeCloseTo(0.5 / 0.998 / 0.2, 6);
    expect(mean(w)).toBeCloseTo(1, 5);
    const cw = siriusClassWeights({ demo: 0, robot: 800, intervention: 200, preIntervention: 0 });
    expect(cw.demo).toBe(0);
    expect(cw.preIntervention).toBe(0);
  });

  it('robot steps keep a positive weight when demos dominate (60-83% of the samples)', () => {
    // 70% demos: the reference share 1 - 0.5 - 0.7 - 0.002 would be negative (clamped to 0 before)
    const w = sampleWeights('sirius', labels(700, 100, 150, 50));
    expect(w[700]).toBeCloseTo(0.498 / (100 / 300), 6);
    expect(w[800]).toBeCloseTo(0.5 / (150 / 300), 6);
    expect(w[0]).toBeCloseTo(1, 6);
    expect(mean(w)).toBeCloseTo(1, 5);
    // the loop's mix: demos 60-83%, interventions a few percent, a few pre-intervention steps
    fc.assert(
      fc.property(fc.double({ min: 0.6, max: 0.83, noNaN: true }), fc.double({ min: 0.01, max: 0.1, noNaN: true }), fc.integer({ min: 0, max: 30 }), (demoShare, intvShare, pre) => {
        const n = 2000;
        const d = Math.round(demoShare * n);
        const i = Math.max(1, Math.round(intvShare * n));
        const r = n - d - i - pre;
        fc.pre(r > 0);
        const ws = sampleWeights('sirius', labels(d, r, i, pre));
        const robot = ws[d];
        // robot steps keep weight, and interventions do not swamp them: 11-18x was the old ratio
        return robot > 0.1 && ws[d + r] / robot < 60 && Math.abs(mean(ws) - 1) < 1e-4;
      }),
    );
  });

  it('demos alone and robot steps alone weigh 1; no samples gives no weights', () => {
    expect(Array.from(sampleWeights('sirius', labels(5, 0, 0, 0)))).toEqual([1, 1, 1, 1, 1].map(Math.fround));
    expect(Array.from(sampleWeights('sirius', labels(0, 4, 0, 0))).every((x) => Math.abs(x - 1) < 1e-6)).toBe(true);
    expect(sampleWeights('sirius', labels(0, 0, 0, 0)).length).toBe(0);
  });

  it('property: weights are finite, non-negative, mean 1 for any class mix', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300), (d, r, i, p) => {
        fc.pre(d + r + i + p > 0);
        const w = sampleWeights('sirius', labels(d, r, i, p));
        return w.every((x) => Number.isFinite(x) && x >= 0) && Math.abs(mean(w) - 1) < 1e-4;
      }),
    );
  });

  it('rewound steps weigh 0 and are not counted; includeRewound brings them back', () => {
    const l = labels(0, 6, 2, 2);
    const rewound = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0];
    const w = sampleWeights('sirius', l, { rewound });
    expect(w[4]).toBe(0);
    expect(w[5]).toBe(0);
    // counted: 4 robot, 2 intv, 2 pre of 8
    expect(w[0]).toBeCloseTo(0.498 / 0.5, 6);
    expect(w[6]).toBeCloseTo(0.5 / 0.25, 6);
    expect(w[8]).toBeCloseTo(0.002 / 0.25, 6);
    const all = sampleWeights('sirius', l, { rewound, includeRewound: true });
    expect(all[4]).toBeGreaterThan(0);
  });

  it('rejects labels that are not Sirius classes, naming the sample', () => {
    expect(() => sampleWeights('sirius', [0, 1, 2])).toThrow(/sample 2: label 2/);
  });
});

describe('IWR and plain weights', () => {
  it('IWR weighs interventions (N - N_int) / N_int and the rest 1', () => {
    const w = sampleWeights('iwr', labels(10, 60, 20, 10));
    expect(w[0]).toBe(1);
    expect(w[10]).toBe(1);
    expect(w[70]).toBeCloseTo((100 - 20) / 20, 6);
    expect(w[90]).toBe(1);
  });

  it('IWR with no interventions or only interventions weighs all 1', () => {
    expect(iwrClassWeights({ demo: 0, robot: 5, intervention: 0, preIntervention: 0 }).intervention).toBe(1);
    expect(Array.from(sampleWeights('iwr', labels(0, 0, 3, 0)))).toEqual([1, 1, 1]);
  });

  it('none weighs everything 1 except rewound steps', () => {
    expect(Array.from(sampleWeights('none', labels(1, 1, 1, 1), { rewound: [0, 1, 0, 0] }))).toEqual([1, 0, 1, 1]);
  });

  it('parseWeighting names the valid choices', () => {
    expect(parseWeighting('iwr')).toBe('iwr');
    expect(() => parseWeighting('dagger')).toThrow(/sirius, iwr, none/);
  });
});

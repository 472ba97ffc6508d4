import { describe, expect, it } from 'vitest';
import { toTrainingArrays } from '../../recordings/training-arrays.ts';
import type { Journal } from '../../recordings/episode-reader.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

function journal(n: number, kind: 'policy' | 'demo' = 'policy'): Journal {
  const rand = rng(21);
  const steps = Array.from({ length: n }, (_, i) =>
    makeStep('ep', i, rand, {
      executed: i === 2 ? null : [i / 100, 0, 0, 0, 0, 0, i % 2 ? 1 : -1],
      source: i >= 20 && i < 23 ? 'operator' : i === 3 ? 'none' : 'policy',
      recovery: undefined,
    }),
  );
  if (n > 4) steps[4].obs.q[1] = null as unknown as number; // what JSON makes of NaN
  return { meta: testMeta('ep', { kind }), end: null, steps, events: [{ type: 'rewind', t: 0, step: 12, fromStep: 12, toStep: 10 }], gaps: [] };
}

describe('toTrainingArrays', () => {
  it('flattens observation fields, actions and Sirius labels for the steps that train', () => {
    const a = toTrainingArrays(journal(30));
    // left out: 2 (executed nothing), 3 (idle), 11 and 12 (rewound)
    expect(Array.from(a.stepIndex)).toEqual([0, 1, 4, 5, 6, 7, 8, 9, 10, ...Array.from({ length: 17 }, (_, i) => i + 13)]);
    expect(a.n).toBe(26);
    expect(Object.keys(a.obs)).toEqual(['q', 'qd', 'eePos', 'eeQuat', 'gripper', 'objects/cube/pos', 'objects/cube/quat', 'objects/target/pos', 'objects/target/quat']);
    expect(a.obs.q.dim).toBe(7);
    expect(a.obs.q.data).toHaveLength(26 * 7);
    expect(Number.isNaN(a.obs.q.data[2 * 7 + 1])).toBe(true);
    expect(a.obs.gripper.data).toHaveLength(26);
    expect(a.actions[3 * 7]).toBeCloseTo(0.05, 6);
    expect(a.actions[3 * 7 + 6]).toBe(1);
    const at = (step: number) => a.stepIndex.indexOf(step);
    expect(a.intvLabels[at(20)]).toBe(1);
    expect(a.actionModes[at(19)]).toBe(0);
    expect(a.intvLabels[at(19)]).toBe(-10);
    // the window walks past the rewound (11, 12) and idle (3) steps: 19..13, 10..4 and 2 are its 15
    expect(a.intvLabels[at(4)]).toBe(-10);
    expect(a.intvLabels[at(1)]).toBe(0);
    expect(a.intvLabels[at(25)]).toBe(0);
    expect(a.classes[at(20)]).toBe('intervention');
  });

  it('includes rewound steps on request and labels demos -1', () => {
    expect(toTrainingArrays(journal(30), { includeRewound: true }).n).toBe(28);
    const d = toTrainingArrays(journal(10, 'demo'));
    expect(Array.from(new Set(d.actionModes))).toEqual([-1]);
    expect(toTrainingArrays(journal(0)).n).toBe(0);
  });
});

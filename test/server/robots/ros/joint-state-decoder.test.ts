import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JointStateDecoder } from '../../../../server/robots/ros/joint-state-decoder.ts';

const ARM = ['j1', 'j2', 'j3'];

describe('JointStateDecoder', () => {
  it('reorders any permutation of names (with extra joints) into the configured order', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
      fc.shuffledSubarray(['j1', 'j2', 'j3', 'f1', 'f2'], { minLength: 5, maxLength: 5 }),
      (values, order) => {
        const d = new JointStateDecoder(ARM, ['f1', 'f2']);
        const byName = Object.fromEntries(['j1', 'j2', 'j3', 'f1', 'f2'].map((n, i) => [n, values[i]]));
        const r = d.decode({ name: order, position: order.map((n) => byName[n]), velocity: order.map((n) => 2 * byName[n]) });
        expect(r).toBe('arm');
        expect(Array.from(d.q)).toEqual([byName.j1, byName.j2, byName.j3]);
        expect(Array.from(d.qd)).toEqual([2 * byName.j1, 2 * byName.j2, 2 * byName.j3]);
        expect(d.gripper).toBeCloseTo(byName.f1 + byName.f2, 12);
      },
    ));
  });

  it('never changes the state on a rejected message, whatever it holds', () => {
    const d = new JointStateDecoder(ARM);
    expect(d.decode({ name: ARM, position: [1, 2, 3] })).toBe('arm');
    fc.assert(fc.property(fc.anything(), (junk) => {
      const r = d.decode(junk);
      if (r !== 'arm') expect(Array.from(d.q)).toEqual([1, 2, 3]);
      else expect(Array.from(d.q).every(Number.isFinite)).toBe(true);
    }));
  });

  it.each([
    [null, 'not an object'],
    [{ name: ARM }, 'needs name and position arrays'],
    [{ name: ARM, position: [1, 2] }, 'has 3 names but 2 positions'],
    [{ name: ['j1', 'j2'], position: [1, 2] }, 'lacks j3'],
    [{ name: ARM, position: [1, null, 3] }, "position of 'j2' is null"],
    [{ name: ['x'], position: [1] }, 'names none of j1, j2, j3'],
  ])('rejects %j naming the problem', (msg, why) => {
    expect(new JointStateDecoder(ARM).decode(msg)).toContain(why);
  });

  it('takes gripper-only messages without touching the arm, and missing velocities as 0', () => {
    const d = new JointStateDecoder(ARM, ['f1']);
    expect(d.decode({ name: ['f1'], position: [0.03] })).toBe('gripper');
    expect(d.gripper).toBe(0.03);
    expect(d.decode({ name: ARM, position: [1, 2, 3], velocity: [] })).toBe('arm');
    expect(Array.from(d.qd)).toEqual([0, 0, 0]);
  });
});

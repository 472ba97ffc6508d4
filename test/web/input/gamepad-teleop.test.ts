import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gamepadAction, PadButtonEdge, padActive, type PadSnapshot } from '../../../web/input/gamepad-teleop.ts';

const pad = (axes: number[], pressed: Record<number, number> = {}): PadSnapshot => ({
  axes,
  buttons: Array.from({ length: 17 }, (_, i) => ({ pressed: (pressed[i] ?? 0) > 0.5, value: pressed[i] ?? 0 })),
});

describe('gamepadAction', () => {
  it('sticks inside the dead zone do nothing; full stick is full speed', () => {
    expect(padActive(gamepadAction(pad([0.1, -0.1, 0.05, 0])))).toBe(false);
    const a = gamepadAction(pad([0, -1, 0, 0]));
    expect(a[0]).toBeCloseTo(1, 9); // stick up = +x
  });

  it('right trigger closes the gripper in proportion, left trigger opens it, none keeps it', () => {
    expect(gamepadAction(pad([0, 0, 0, 0], { 7: 1 }))[6]).toBe(1);
    expect(gamepadAction(pad([0, 0, 0, 0], { 7: 0.5 }))[6]).toBeCloseTo(0, 9);
    expect(gamepadAction(pad([0, 0, 0, 0], { 6: 1 }), undefined, 1)[6]).toBe(-1);
    expect(gamepadAction(pad([0, 0, 0, 0]), undefined, 1)[6]).toBe(1);
  });

  it('always yields finite actions in [-1, 1], whatever the pad reports (NaN included)', () => {
    const v = fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(fc.array(v, { minLength: 0, maxLength: 6 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 17 }), (axes, buttons) => {
        const a = gamepadAction({ axes, buttons: buttons.map((value) => ({ pressed: value > 0.5, value })) });
        return Array.from(a).every((x) => Number.isFinite(x) && x >= -1 && x <= 1);
      }),
    );
  });
});

describe('PadButtonEdge', () => {
  it('fires once per press', () => {
    const e = new PadButtonEdge();
    const seq = [0, 1, 1, 1, 0, 1].map((v) => e.pressed(pad([], { 0: v })));
    expect(seq).toEqual([false, true, false, false, false, true]);
  });
});

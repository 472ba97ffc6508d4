import { describe, expect, it } from 'vitest';
import { KeyboardTeleop, TELEOP_KEYS } from '../../../web/input/keyboard-teleop.ts';
import { controlKeyIntent } from '../../../web/input/control-keys.ts';

describe('KeyboardTeleop', () => {
  it('maps every key to one signed axis; opposite keys cancel', () => {
    const k = new KeyboardTeleop();
    for (const [code, [axis, sign]] of Object.entries(TELEOP_KEYS)) {
      k.keyDown(code);
      const a = Array.from(k.action());
      expect(a[axis]).toBe(sign);
      expect(a.slice(0, 6).filter((v) => v !== 0)).toHaveLength(1);
      k.keyUp(code);
    }
    k.keyDown('KeyW');
    k.keyDown('KeyS');
    expect(Array.from(k.action()).slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('halves the speed with Shift and stops on blur', () => {
    const k = new KeyboardTeleop();
    k.keyDown('KeyR');
    k.keyDown('ShiftLeft');
    expect(k.action()[2]).toBe(0.5);
    k.releaseAll();
    expect(k.moving).toBe(false);
    expect(k.action()[2]).toBe(0);
  });

  it('toggles the gripper once per press, not per auto-repeat', () => {
    const k = new KeyboardTeleop();
    expect(k.action()[6]).toBe(-1);
    k.keyDown('KeyG');
    k.keyDown('KeyG'); // repeat
    expect(k.action()[6]).toBe(1);
    k.keyUp('KeyG');
    k.keyDown('KeyG');
    expect(k.action()[6]).toBe(-1);
  });

  it('ignores keys that are not teleop keys', () => {
    const k = new KeyboardTeleop();
    expect(k.keyDown('KeyZ')).toBe(false);
    expect(k.moving).toBe(false);
  });
});

describe('controlKeyIntent', () => {
  it.each([
    ['Space', 'AUTONOMOUS', false, 'take_over'],
    ['Space', 'PAUSED', false, 'take_over'],
    ['Space', 'INTERVENING', true, 'hand_back'],
    ['Space', 'INTERVENING', false, null], // someone else drives
    ['Space', 'ESTOP', true, null],
    ['Space', 'REWINDING', false, null],
    ['Escape', 'AUTONOMOUS', false, 'estop'],
    ['Escape', 'ESTOP', false, 'estop'],
    ['Escape', null, false, 'estop'],
    ['KeyP', 'AUTONOMOUS', false, 'pause'],
    ['KeyP', 'PAUSED', false, 'resume'],
    ['KeyP', 'ESTOP', false, null],
    ['KeyW', 'INTERVENING', true, null],
  ] as const)('%s in %s (lease %s) -> %s', (code, mode, lease, want) => {
    expect(controlKeyIntent(code, mode, lease)).toBe(want);
  });
});

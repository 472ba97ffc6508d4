import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COUNTDOWN_S, ImplicitTakeover, RETRY_MS, type RobotSnapshot } from '../../../web/input/implicit-takeover.ts';

/** a fake clock the tests move by hand */
function clock() {
  const c = { t: 1000, now: () => c.t, advance: (ms: number) => (c.t += ms) };
  return c;
}
const ME = 'alice';
const auto: RobotSnapshot = { mode: 'AUTONOMOUS', lease: null, me: ME, stale: false };
const mine: RobotSnapshot = { mode: 'INTERVENING', lease: ME, me: ME, stale: false };
const theirs: RobotSnapshot = { mode: 'INTERVENING', lease: 'bob', me: ME, stale: false };

describe('ImplicitTakeover: take over on input', () => {
  it('off by default: input on an AUTONOMOUS robot sends nothing', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now);
    expect(it.settings).toEqual({ enabled: false, handBackAfterS: 0 });
    expect(it.input(true, auto)).toBe('ignore');
  });

  it('on: the first moving tick on an AUTONOMOUS robot asks to take over, idle ticks do not', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 0 });
    expect(it.input(false, auto)).toBe('ignore');
    expect(it.input(true, auto)).toBe('take_over');
  });

  it('asks once, not at every tick, while the lease has not arrived; again after RETRY_MS', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 0 });
    expect(it.input(true, auto)).toBe('take_over');
    for (let t = 50; t < RETRY_MS; t += 50) {
      c.advance(50);
      expect(it.input(true, auto)).toBe('ignore');
    }
    c.advance(50);
    expect(it.input(true, auto)).toBe('take_over');
  });

  it('with the lease ours and INTERVENING, input drives', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 0 });
    expect(it.input(true, auto)).toBe('take_over');
    c.advance(40);
    expect(it.input(true, mine)).toBe('drive');
  });

  it('a lease someone else holds gets a plain attempt (the server refuses it), at most every RETRY_MS', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 0 });
    let attempts = 0;
    for (let i = 0; i < 100; i++) {
      if (it.input(true, theirs) === 'take_over') attempts++;
      c.advance(50);
    }
    // 5 s of held input: one attempt at the start and one per RETRY_MS after
    expect(attempts).toBe(1 + Math.floor((100 * 50 - 50) / RETRY_MS));
  });

  it('never asks on an e-stopped, paused-without-lease, stale or unknown robot, nor for our own paused lease', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 0 });
    const cases: RobotSnapshot[] = [
      { ...auto, mode: 'ESTOP' }, { ...auto, mode: 'ESTOP', lease: 'bob' }, { ...auto, mode: 'PAUSED' }, { ...auto, stale: true },
      { ...auto, mode: null }, { ...mine, mode: 'PAUSED' }, { ...auto, mode: 'REWINDING' },
    ];
    for (const r of cases) expect([r, it.input(true, r)]).toEqual([r, 'ignore']);
  });

  it('property: never take_over with the setting off, nor twice within RETRY_MS', () => {
    const snap = fc.record({
      mode: fc.constantFrom('AUTONOMOUS', 'INTERVENING', 'PAUSED', 'ESTOP', 'REWINDING', null),
      lease: fc.constantFrom(null, ME, 'bob'),
      me: fc.constant(ME),
      stale: fc.boolean(),
    }) as fc.Arbitrary<RobotSnapshot>;
    fc.assert(fc.property(fc.boolean(), fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.boolean(), snap), { maxLength: 60 }), (enabled, steps) => {
      const c = clock();
      const it = new ImplicitTakeover(c.now, { enabled, handBackAfterS: 0 });
      let last = Number.NEGATIVE_INFINITY;
      for (const [dt, active, r] of steps) {
        c.advance(dt);
        if (it.input(active, r) !== 'take_over') continue;
        if (!enabled || !active || r.stale || r.lease === ME || r.mode === 'ESTOP' || c.t - last < RETRY_MS) return false;
        last = c.t;
      }
      return true;
    }));
  });
});

describe('ImplicitTakeover: idle hand back', () => {
  it('hands back once after N s without input while INTERVENING with our lease', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 2 });
    it.input(true, auto);
    c.advance(50);
    it.input(true, mine); // last input at t0 + 50
    c.advance(1999);
    expect(it.handBackDue(mine)).toBe(false);
    c.advance(1);
    expect(it.handBackDue(mine)).toBe(true);
    // the lease shows ours for a few more frames: no second hand back meanwhile
    c.advance(100);
    expect(it.handBackDue(mine)).toBe(false);
    expect(it.countdownS(mine)).toBeNull();
    // handed back: nothing more to do
    expect(it.handBackDue(auto)).toBe(false);
  });

  it('held input keeps the lease; the clock restarts at each input', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 2 });
    it.input(true, mine);
    for (let i = 0; i < 200; i++) {
      c.advance(50);
      it.input(true, mine);
      expect(it.handBackDue(mine)).toBe(false);
    }
  });

  it('the clock starts when the lease arrives (an explicit take-over without input hands back too)', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: false, handBackAfterS: 3 });
    c.advance(60_000); // long idle before the take-over does not count
    expect(it.handBackDue(mine)).toBe(false);
    c.advance(2999);
    expect(it.handBackDue(mine)).toBe(false);
    c.advance(1);
    expect(it.handBackDue(mine)).toBe(true);
  });

  it('0 = off: never hands back', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 0 });
    it.input(true, mine);
    c.advance(3_600_000);
    expect(it.handBackDue(mine)).toBe(false);
    expect(it.countdownS(mine)).toBeNull();
  });

  it('not while paused, e-stopped or without our lease', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 1 });
    it.input(true, mine);
    c.advance(5000);
    for (const r of [{ ...mine, mode: 'PAUSED' as const }, { ...mine, mode: 'ESTOP' as const }, theirs, auto]) expect(it.handBackDue(r)).toBe(false);
  });

  it('asks again if the lease is still ours a while after a hand back (refused or lost)', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 1 });
    it.input(true, mine);
    c.advance(1000);
    expect(it.handBackDue(mine)).toBe(true);
    c.advance(RETRY_MS - 1);
    expect(it.handBackDue(mine)).toBe(false);
    c.advance(1);
    expect(it.handBackDue(mine)).toBe(true);
  });

  it('the countdown shows only in the last COUNTDOWN_S seconds and counts down to 0', () => {
    const c = clock();
    const it = new ImplicitTakeover(c.now, { enabled: true, handBackAfterS: 20 });
    it.input(true, mine);
    c.advance((20 - COUNTDOWN_S) * 1000 - 1);
    expect(it.countdownS(mine)).toBeNull();
    c.advance(1);
    expect(it.countdownS(mine)).toBeCloseTo(COUNTDOWN_S, 9);
    c.advance(3500);
    expect(it.countdownS(mine)).toBeCloseTo(COUNTDOWN_S - 3.5, 9);
    it.input(true, mine); // input resets it
    expect(it.countdownS(mine)).toBeNull();
    expect(it.countdownS(auto)).toBeNull();
  });
});

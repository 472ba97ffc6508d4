import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TickScheduler, type Tickable } from '../../../server/control/tick-scheduler.ts';

// Fake timers drive the scheduler: no real waiting, and the clock is the fake Date.
const clock = { now: () => Date.now() / 1000 };

class Probe implements Tickable {
  dues: number[] = [];
  starts: number[] = [];
  constructor(readonly dt: number, private work = 0, private fail = false) {}
  tick(due: number): void {
    this.dues.push(due);
    this.starts.push(clock.now());
    if (this.work) vi.setSystemTime(Date.now() + this.work * 1000);
    if (this.fail) throw new Error('boom');
  }
}

/**
 * A fake doorbell rung once by each message "posted" at `arrivals` (times on the test's fine
 * clock): a wait ends at the next arrival or after `ms`, moving the clock there.
 */
function fakeBell(arrivals: number[], now: () => number, moveTo: (t: number) => void) {
  const rung = () => arrivals.filter((a) => a <= now()).length;
  return {
    read: rung,
    wait: (seen: number, ms: number) => {
      if (rung() !== seen) return true;
      const until = now() + ms / 1000;
      const next = arrivals.find((a) => a > now() && a <= until);
      moveTo(next ?? until);
      return next !== undefined;
    },
  };
}

describe('TickScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks each loop at its own rate, spread over the period, never before it is due', () => {
    const s = new TickScheduler({ clock, spinMs: 0 });
    const a = new Probe(0.02);
    const b = new Probe(0.05);
    s.add([a, b]);
    s.start();
    vi.advanceTimersByTime(1000);
    s.stop();
    expect(a.dues.length).toBeGreaterThanOrEqual(49);
    expect(a.dues.length).toBeLessThanOrEqual(50);
    expect(b.dues.length).toBeGreaterThanOrEqual(19);
    expect(b.dues.length).toBeLessThanOrEqual(20);
    for (const p of [a, b]) {
      p.dues.forEach((d, i) => expect(p.starts[i]).toBeGreaterThanOrEqual(d - 1e-6));
      for (let i = 1; i < p.dues.length; i++) expect(p.dues[i] - p.dues[i - 1]).toBeCloseTo(p.dt, 9);
    }
    // b's phase is offset by half its period from a's start
    expect(b.dues[0] - a.dues[0]).toBeCloseTo(0.05 * 1.5 - 0.02, 9);
  });

  it('skips ahead and counts an overrun when a tick takes longer than a period, and survives a throwing tick', () => {
    const errors: unknown[] = [];
    const s = new TickScheduler({ clock, spinMs: 0, onError: (_l, e) => errors.push(e) });
    const slow = new Probe(0.02, 0.1);
    const bad = new Probe(0.02, 0, true);
    s.add([slow, bad]);
    s.start();
    vi.advanceTimersByTime(500);
    s.stop();
    expect(s.overruns).toBeGreaterThan(0);
    expect(errors.length).toBe(bad.dues.length);
    expect(bad.dues.length).toBeGreaterThan(3);
    // after an overrun the next due time is in the future, not a burst of catch-up ticks
    for (let i = 1; i < slow.starts.length; i++) expect(slow.starts[i] - slow.starts[i - 1]).toBeGreaterThanOrEqual(0.1 - 1e-9);
  });

  it('stops', () => {
    const s = new TickScheduler({ clock, spinMs: 0 });
    const a = new Probe(0.02);
    s.add([a]);
    s.start();
    vi.advanceTimersByTime(100);
    s.stop();
    const n = a.dues.length;
    vi.advanceTimersByTime(1000);
    expect(a.dues.length).toBe(n);
  });

  it('sleeps out the last spinMs before a tick, so a tick starts when due whatever the timer does', () => {
    const sleeps: number[] = [];
    // the sleep moves the fake clock, as the kernel's would move the real one
    const sleep = (ms: number) => {
      sleeps.push(ms);
      vi.setSystemTime(Date.now() + ms);
    };
    const s = new TickScheduler({ clock, spinMs: 2, sleep });
    const loops = Array.from({ length: 4 }, () => new Probe(0.02));
    s.add(loops);
    s.start();
    vi.advanceTimersByTime(1000);
    s.stop();
    expect(sleeps.length).toBeGreaterThan(150);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(4);
    // fake timers fire on whole milliseconds; the sleep makes up the rest: no tick starts late
    for (const p of loops) {
      expect(p.dues.length).toBeGreaterThanOrEqual(49);
      p.dues.forEach((d, i) => expect(p.starts[i] - d).toBeLessThan(1e-6));
    }
  });

  it('only trusts timers with spinMs 0', () => {
    const sleeps: number[] = [];
    const s = new TickScheduler({ clock, spinMs: 0, sleep: (ms) => sleeps.push(ms) });
    s.add([new Probe(0.02)]);
    s.start();
    vi.advanceTimersByTime(200);
    s.stop();
    expect(sleeps).toEqual([]);
    expect(s.spinMs).toBe(0);
  });

  it("splits a late tick into the thread's late wake-up and the time spent in other robots' ticks", () => {
    const s = new TickScheduler({ clock, spinMs: 0 });
    // two robots phased 10 ms apart; the first takes 15 ms, so the second starts 5 ms late although
    // the thread woke on time
    const slow = Object.assign(new Probe(0.02, 0.015), { robotId: 'slow' });
    const next = new Probe(0.02);
    s.add([slow, next]);
    s.start();
    vi.advanceTimersByTime(400);
    s.stop();
    const f = s.figures.read();
    expect(f.tickMaxMs).toBeCloseTo(15, 3);
    expect(f.tickP50Ms).toBeLessThan(1); // half the ticks take no time
    expect(f.wakeLateMaxMs).toBeLessThan(0.5); // fake timers fire on time: the lateness is queueing
    expect(f.busyShare).toBeGreaterThan(0.6);
    expect(f.busyShare).toBeLessThan(0.9);
    const lateNext = next.starts.map((t, i) => t - next.dues[i]);
    expect(Math.max(...lateNext)).toBeCloseTo(0.005, 3);
    // the longest tasks name their loop: the 15 ms ticks of the first robot
    expect(f.slowest.length).toBe(5);
    expect(f.slowest[0]).toEqual({ what: 'tick slow', ms: expect.closeTo(15, 3) });
    s.figures.worked(0.003, clock.now());
    expect(s.figures.read().workMaxMs).toBeCloseTo(3, 9);
    s.figures.reset();
    expect(s.figures.read()).toMatchObject({ tickMaxMs: null, wakeLateMaxMs: null, busyShare: null, workMaxMs: null, workShare: null, slowest: [] });
  });
  it('takes a message rung in during the pre-tick sleep at once, but not in the last 0.2 ms before the tick', () => {
    // fake Date keeps whole milliseconds: the bell's waits move a finer clock of their own
    let fine = 0;
    const clk = { now: () => Math.max(fine, clock.now()) };
    const t0 = clk.now();
    // messages "posted" by other threads: 1.5 ms and 0.1 ms before the first tick (due at t0 + 20 ms)
    const arrivals = [t0 + 0.0185, t0 + 0.0199];
    const bell = fakeBell(arrivals, clk.now, (t) => (fine = t));
    const taken: number[] = [];
    const sleeps: number[] = [];
    const s = new TickScheduler({ clock: clk, spinMs: 2, sleep: (ms) => sleeps.push(ms) });
    s.wakeOn(bell, () => taken.push(clk.now() - t0) && 1);
    const p = new Probe(0.02);
    p.tick = (due) => { p.dues.push(due); p.starts.push(clk.now()); };
    s.add([p]);
    s.start();
    vi.advanceTimersByTime(30);
    s.stop();
    // the first is taken as it arrives, 1.5 ms before the tick; the second waits for after the tick
    expect(taken).toHaveLength(1);
    expect(taken[0]).toBeCloseTo(0.0185, 9);
    expect(p.dues).toHaveLength(1);
    expect(p.starts[0] - p.dues[0]).toBeLessThan(1e-6);
    expect(p.dues[0] - t0).toBeCloseTo(0.02, 9);
    expect(s.figures.read().sleepMessages).toBe(1);
    // the bell's wait replaced the plain sleep
    expect(sleeps).toEqual([]);
  });
  it('says when a tick is due within 0.2 ms, so that a batch of commands waits for after it', () => {
    let fine = 0;
    const clk = { now: () => Math.max(fine, clock.now()) };
    const s = new TickScheduler({ clock: clk, spinMs: 2, sleep: () => {} });
    const t0 = clk.now();
    s.add([new Probe(0.02)]);
    expect(s.nearTick()).toBe(false); // not running
    s.start();
    fine = t0 + 0.0197;
    expect(s.nearTick()).toBe(false);
    fine = t0 + 0.0199;
    expect(s.nearTick()).toBe(true);
    fine = t0 + 0.021; // overdue
    expect(s.nearTick()).toBe(true);
    s.stop();
  });

  it('tells a run made late by its own work before the sleep from one the kernel woke late', () => {
    let fine = 0;
    const clk = { now: () => Math.max(fine, clock.now()) };
    const s = new TickScheduler({ clock: clk, spinMs: 2, sleep: (ms) => { fine = clk.now() + ms / 1000; } });
    // other work of the thread (a command batch) that runs 4 ms from 17 ms, past the tick due at 20 ms
    setTimeout(() => { fine = clk.now() + 0.004; }, 17);
    s.add([new Probe(0.02)]);
    s.start();
    vi.advanceTimersByTime(45);
    s.stop();
    const f = s.figures.read();
    expect(f.lateAfterWork).toBe(1);
    expect(f.lateAfterWorkP99Ms).toBeCloseTo(1, 0);
    expect(f.wokeFromSleepP99Ms).toBeLessThan(0.01);
  });
  it('runs the loops\' between-ticks work in slices before a tick, takes a rung message between two slices, and starts none within 0.3 ms of the tick', () => {
    let fine = 0;
    const clk = { now: () => Math.max(fine, clock.now()) };
    const t0 = clk.now();
    // a message posted 1.05 ms before the first tick, due at t0 + 20 ms (a second loop's at + 30 ms)
    const arrivals = [t0 + 0.01895];
    const bell = fakeBell(arrivals, clk.now, (t) => (fine = t));
    const taken: number[] = [];
    const s = new TickScheduler({ clock: clk, spinMs: 2, sleep: () => {}, onError: (_l, e) => errors.push(e) });
    const errors: unknown[] = [];
    s.wakeOn(bell, () => taken.push(clk.now() - t0) && 1);
    // each slice takes 0.1 ms; the first loop has 40 of them to do (more than fit), the second throws on its first
    const slices: Array<{ loop: string; at: number }> = [];
    let pending = 40;
    const busy = new Probe(0.02);
    busy.tick = (due) => { busy.dues.push(due); busy.starts.push(clk.now()); };
    const worker = Object.assign(busy, {
      robotId: 'busy',
      betweenTicks: () => {
        if (pending === 0) return false;
        pending--;
        slices.push({ loop: 'busy', at: clk.now() - t0 });
        fine = clk.now() + 0.0001;
        return true;
      },
    });
    const bad = Object.assign(new Probe(0.02), {
      robotId: 'bad',
      betweenTicks: () => {
        slices.push({ loop: 'bad', at: clk.now() - t0 });
        throw new Error('physics failed');
      },
    });
    bad.tick = (due) => { bad.dues.push(due); };
    s.add([worker, bad]);
    s.start();
    vi.advanceTimersByTime(21);
    s.stop();
    // the throwing loop's work was tried once and reported; it does all its work in its ticks after
    expect(slices.filter((x) => x.loop === 'bad')).toHaveLength(1);
    expect(errors).toHaveLength(1);
    const busySlices = slices.filter((x) => x.loop === 'busy');
    expect(busySlices.length).toBeGreaterThan(10);
    // none started within 0.3 ms of the tick; the tick started when due
    for (const x of busySlices) expect(0.02 - x.at).toBeGreaterThan(0.0003 - 1e-9);
    expect(busy.dues).toHaveLength(1);
    expect(busy.starts[0] - busy.dues[0]).toBeLessThan(1e-6);
    // the message rang during the slices and was taken before the next slice began
    expect(taken).toHaveLength(1);
    expect(taken[0] - 0.01895).toBeGreaterThanOrEqual(0);
    expect(taken[0] - 0.01895).toBeLessThanOrEqual(0.0001 + 1e-9);
    const f = s.figures.read();
    expect(f.workMaxMs).toBeCloseTo(0.1, 6);
  });
});

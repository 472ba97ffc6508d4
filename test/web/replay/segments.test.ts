import { describe, expect, it } from 'vitest';
import { kindOf, LiveTimeline, runsOf, segmentsFromApi } from '../../../web/replay/segments.ts';
import { PlaybackClock } from '../../../web/replay/playback-clock.ts';
import { parseRoute, routeHash } from '../../../web/app/router.ts';

describe('segments', () => {
  it('kinds come from source, mode and the recovery flag', () => {
    expect(kindOf({ source: 'policy' })).toBe('policy');
    expect(kindOf({ source: 'operator' })).toBe('operator');
    expect(kindOf({ source: 'none', mode: 'PAUSED' })).toBe('hold');
    expect(kindOf({ source: 'none', mode: 'REWINDING' })).toBe('recovery');
    expect(kindOf({ source: 'operator', recovery: true })).toBe('recovery');
  });

  it('collapses kinds into runs', () => {
    expect(runsOf(['policy', 'policy', 'operator', 'policy'])).toEqual([
      { kind: 'policy', from: 0, to: 2 },
      { kind: 'operator', from: 2, to: 3 },
      { kind: 'policy', from: 3, to: 4 },
    ]);
  });

  it('a scrub released at the live end (the last tick or past it) rewinds nowhere', () => {
    const t = new LiveTimeline();
    expect(t.rewindTargetAt(0.5)).toBeNull();
    for (let s = 0; s < 10; s++) t.push('ep1', s, { source: 'policy' });
    expect(t.rewindTargetAt(1)).toBeNull();
    expect(t.rewindTargetAt(0.95)).toBeNull(); // on the last tick: by the time it is released the robot has moved on
    expect(t.rewindTargetAt(0.85)).toBe(8);
    expect(t.rewindTargetAt(0)).toBe(0);
  });

  it('the live timeline greys out the ticks a rewind undid and keeps them visible', () => {
    const t = new LiveTimeline();
    for (let s = 0; s < 10; s++) t.push('ep1', s, { source: 'policy' });
    t.push('ep1', 9, { source: 'policy' }); // same tick twice: ignored
    for (let s = 5; s < 8; s++) t.push('ep1', s, { source: 'operator' }); // rewound to 4, then corrected
    expect(t.segments()).toEqual([
      { kind: 'policy', from: 0, to: 5 },
      { kind: 'rewound', from: 5, to: 10 },
      { kind: 'operator', from: 10, to: 13 },
    ]);
    expect(t.stepAt(0)).toBe(0);
    expect(t.stepAt(1)).toBe(7);
    t.push('ep2', 0, { source: 'policy' });
    expect(t.kinds).toEqual(['policy']);
  });

  it('a frame that arrives after the rewind event that undid its step is grey too', () => {
    const t = new LiveTimeline();
    for (let s = 0; s < 9; s++) t.push('ep1', s, { source: 'policy' });
    // the event undoing 4..9 overtook the frame of step 9 (events go out at once, frames after the tick)
    t.applyRewind('ep1', 9, 3);
    t.push('ep1', 9, { source: 'policy' });
    t.push('ep1', 10, { source: 'operator' });
    expect(t.kinds.slice(-2)).toEqual(['rewound', 'operator']);
    expect(t.steps.filter((_, i) => t.kinds[i] === 'rewound')).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it("a rewind event greys exactly the undone steps toStep+1..fromStep, whoever asked, and not later ticks", () => {
    const t = new LiveTimeline();
    for (let s = 0; s < 10; s++) t.push('ep1', s, { source: 'policy' });
    // step indices keep counting after a rewind: ticks 10, 11 arrived before this console saw the event
    t.push('ep1', 10, { source: 'operator' });
    t.push('ep1', 11, { source: 'operator' });
    expect(t.applyRewind('ep1', 9, 3)).toBe(true);
    expect(t.segments()).toEqual([
      { kind: 'policy', from: 0, to: 4 },
      { kind: 'rewound', from: 4, to: 10 },
      { kind: 'operator', from: 10, to: 12 },
    ]);
    // another episode's event, or an empty range, changes nothing
    expect(t.applyRewind('ep0', 11, 0)).toBe(false);
    expect(t.applyRewind('ep1', 3, 3)).toBe(false);
    expect(t.kinds.filter((k) => k === 'rewound')).toHaveLength(6);
    // a second rewind over the first range and past it
    expect(t.applyRewind('ep1', 11, 1)).toBe(true);
    expect(t.segments()).toEqual([
      { kind: 'policy', from: 0, to: 2 },
      { kind: 'rewound', from: 2, to: 12 },
    ]);
    t.push('ep1', 12, { source: 'operator' });
    expect(t.kinds[12]).toBe('operator');
    t.push('ep2', 0, { source: 'policy' });
    expect(t.applyRewind('ep1', 12, 0)).toBe(false);
    expect(t.kinds).toEqual(['policy']);
  });

  it('maps the API segments (recording order, step counts) onto the steps array', () => {
    expect(segmentsFromApi([{ kind: 'policy', steps: 3 }, { kind: 'idle', steps: 2 }, { kind: 'operator', steps: 1 }])).toEqual([
      { kind: 'policy', from: 0, to: 3 },
      { kind: 'hold', from: 3, to: 5 },
      { kind: 'operator', from: 5, to: 6 },
    ]);
  });
});

describe('PlaybackClock', () => {
  const times = [0, 0.05, 0.1, 0.15, 0.2];
  it('advances with speed, stops at the end, and scrubs by fraction', () => {
    const c = new PlaybackClock(times);
    expect(c.advance(1)).toBe(0); // not playing
    c.playing = true;
    c.speed = 2;
    expect(c.advance(0.05)).toBe(2);
    expect(c.advance(10)).toBe(4);
    expect(c.playing).toBe(false);
    expect(c.scrubTo(0.5)).toBe(2);
    expect(c.scrubTo(Number.NaN)).toBe(0);
    expect(c.scrubTo(7)).toBe(4);
  });
  it('scrubs by step index too (steps need not be evenly spaced in time)', () => {
    const c = new PlaybackClock([0, 0.05, 0.1, 2, 2.05]);
    expect(c.scrubToIndex(2.4)).toBe(2);
    expect(c.scrubTo(0.5)).toBe(2);
    expect(c.scrubToIndex(99)).toBe(4);
    expect(c.scrubToIndex(-3)).toBe(0);
  });

  it('handles an empty recording', () => {
    expect(new PlaybackClock([]).index).toBe(-1);
  });
});

describe('router', () => {
  it('round-trips routes and defaults to the fleet', () => {
    for (const r of [{ name: 'fleet' }, { name: 'robot', id: 'arm 1/x' }, { name: 'replay', episodeId: null }, { name: 'replay', episodeId: 'e-1' }] as const) {
      expect(parseRoute(routeHash(r))).toEqual(r);
    }
    expect(parseRoute('#/whatever')).toEqual({ name: 'fleet' });
    expect(parseRoute('')).toEqual({ name: 'fleet' });
  });
});

describe('step kinds and path colours', () => {
  it('gives every entry its segment kind, hold where none covers it', async () => {
    const { stepKinds, kindsPresent } = await import('../../../web/replay/segments.ts');
    const segs = [{ kind: 'policy' as const, from: 0, to: 2 }, { kind: 'operator' as const, from: 3, to: 5 }];
    expect(stepKinds(segs, 6)).toEqual(['policy', 'policy', 'hold', 'operator', 'operator', 'hold']);
    expect(kindsPresent(segs)).toEqual(['policy', 'operator']);
  });

  it('colours each path point like its segment on the scrubber', async () => {
    const THREE = await import('three');
    const { controlPathColors } = await import('../../../web/scene/control-path.ts');
    const { SEGMENT_COLORS } = await import('../../../web/replay/segments.ts');
    const c = controlPathColors([{ kind: 'policy', from: 0, to: 1 }, { kind: 'operator', from: 1, to: 2 }], 2);
    const op = new THREE.Color(SEGMENT_COLORS.operator);
    const po = new THREE.Color(SEGMENT_COLORS.policy);
    expect(Array.from(c)).toEqual([po.r, po.g, po.b, op.r, op.g, op.b].map((v) => Math.fround(v)));
  });
});

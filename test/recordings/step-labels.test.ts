import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { labelSteps, summarizeLabels, ACTION_MODES, INTV_LABELS, type LabelInput } from '../../recordings/step-labels.ts';

/** Builds steps from a string: r = policy, o = operator, n = none (idle), v = recovery drive-back. */
function seq(pattern: string, first = 0): LabelInput[] {
  return [...pattern].map((ch, i) => ({
    step: first + i,
    source: ch === 'o' ? 'operator' : ch === 'r' ? 'policy' : 'none',
    mode: ch === 'o' ? 'INTERVENING' : ch === 'r' ? 'AUTONOMOUS' : ch === 'v' ? 'REWINDING' : 'PAUSED',
    recovery: ch === 'v' ? true : undefined,
  }));
}
const short = { demo: 'D', robot: 'r', intervention: 'o', pre_intervention: 'p', rewound: 'x', recovery: 'v', idle: 'n' } as const;
const classes = (labels: ReturnType<typeof labelSteps>) => labels.map((l) => short[l.cls]).join('');

/** Sirius's own rule on a plain robot/operator sequence, written out directly as the oracle. */
function siriusIntvLabels(modes: number[], window = 15): number[] {
  const out = modes.slice();
  for (let i = 0; i < modes.length; i++) {
    if (modes[i] !== 1 || (i > 0 && modes[i - 1] === 1)) continue;
    for (let j = i - 1; j >= Math.max(0, i - window); j--) {
      if (modes[j] === 1) break;
      out[j] = -10;
    }
  }
  return out;
}

describe('labelSteps', () => {
  it('uses the Sirius values', () => {
    expect(ACTION_MODES).toEqual({ demo: -1, robot: 0, intervention: 1 });
    expect(INTV_LABELS.preIntervention).toBe(-10);
    const l = labelSteps(seq('r'.repeat(20) + 'oo'), [], 'policy');
    expect(l[0]).toEqual({ cls: 'robot', actionMode: 0, intvLabel: 0, train: true });
    expect(l[5]).toEqual({ cls: 'pre_intervention', actionMode: 0, intvLabel: -10, train: true });
    expect(l[20]).toEqual({ cls: 'intervention', actionMode: 1, intvLabel: 1, train: true });
  });

  it('marks exactly the 15 robot steps before an onset', () => {
    expect(classes(labelSteps(seq('r'.repeat(20) + 'ooo' + 'rr'), [], 'policy'))).toBe('rrrrr' + 'p'.repeat(15) + 'ooorr');
  });

  it('cuts the window at the episode start', () => {
    expect(classes(labelSteps(seq('rrrrooo'), [], 'policy'))).toBe('ppppooo');
    expect(classes(labelSteps(seq('orr'), [], 'policy'))).toBe('orr');
  });

  it('never crosses an earlier intervention (back-to-back interventions)', () => {
    expect(classes(labelSteps(seq('rrroorrroo'), [], 'policy'))).toBe('pppoopppoo');
    expect(classes(labelSteps(seq('ooror'), [], 'policy'))).toBe('oopor');
    expect(classes(labelSteps(seq('r'.repeat(18) + 'oo' + 'r'.repeat(20) + 'o'), [], 'policy'))).toBe(
      'rrr' + 'p'.repeat(15) + 'oo' + 'rrrrr' + 'p'.repeat(15) + 'o',
    );
  });

  it('skips idle steps in the window without counting them and without crossing', () => {
    // robot, then paused (idle) before the takeover: the window reaches past the pause
    expect(classes(labelSteps(seq('r'.repeat(17) + 'nnnn' + 'oo'), [], 'policy'))).toBe('rr' + 'p'.repeat(15) + 'nnnnoo');
    // a pause inside an intervention does not start a new onset
    expect(classes(labelSteps(seq('rrroonnoo'), [], 'policy'))).toBe('pppoonnoo');
    const labels = labelSteps(seq('nrn'), [], 'policy');
    expect(labels.map((l) => l.train)).toEqual([false, true, false]);
  });

  it('labels every acting step of a demo episode -1', () => {
    const l = labelSteps(seq('oooonrr'), [], 'demo');
    expect(classes(l)).toBe('DDDDnDD');
    expect(l.filter((x) => x.train).every((x) => x.actionMode === -1 && x.intvLabel === -1)).toBe(true);
  });

  it('marks undone steps rewound and walks the window along the trajectory in effect', () => {
    // steps 0..29 robot, rewind from 29 to 19 (20..29 undone), then the operator corrects (30..32)
    const steps = seq('r'.repeat(30) + 'ooo');
    const l = labelSteps(steps, [{ type: 'rewind', fromStep: 29, toStep: 19, t: 0, step: 29 }], 'policy');
    expect(classes(l)).toBe('rrrrr' + 'p'.repeat(15) + 'x'.repeat(10) + 'ooo');
    expect(l[25]).toEqual({ cls: 'rewound', actionMode: null, intvLabel: null, train: false });
    expect(labelSteps(steps, [{ type: 'rewind', fromStep: 29, toStep: 19 }], 'policy', { includeRewound: true })[25].train).toBe(true);
  });

  it('after a rewind, the pre-intervention window goes where preInterventionAfterRewind says', () => {
    // 0..29 robot, rewind 29 -> 19 (20..29 undone), the operator takes over at 30
    const steps = seq('r'.repeat(30) + 'ooo');
    const ev = [{ type: 'rewind', fromStep: 29, toStep: 19 }];
    // kept (default): the 15 kept steps before the rewind target
    expect(classes(labelSteps(steps, ev, 'policy', { preInterventionAfterRewind: 'kept' }))).toBe('rrrrr' + 'p'.repeat(15) + 'x'.repeat(10) + 'ooo');
    // none: the kept steps stay robot, the undone ones stay excluded
    expect(classes(labelSteps(steps, ev, 'policy', { preInterventionAfterRewind: 'none' }))).toBe('r'.repeat(20) + 'x'.repeat(10) + 'ooo');
    // undone: the undone steps nearest the rewind, up to the window, become (trainable) pre-intervention
    const u = labelSteps(steps, ev, 'policy', { preInterventionAfterRewind: 'undone', window: 4 });
    expect(classes(u)).toBe('r'.repeat(20) + 'xxxxxx' + 'pppp' + 'ooo');
    expect(u[29]).toEqual({ cls: 'pre_intervention', actionMode: 0, intvLabel: -10, train: true });
    // idle or drive-back steps between the rewind and the onset do not hide the rewind
    const gap = seq('r'.repeat(30) + 'nvooo');
    expect(classes(labelSteps(gap, ev, 'policy', { preInterventionAfterRewind: 'none' }))).toBe('r'.repeat(20) + 'x'.repeat(10) + 'nvooo');
    // an onset without a rewind before it is labelled the same under every option
    for (const opt of ['kept', 'undone', 'none'] as const) {
      expect(classes(labelSteps(seq('rrrrroo'), [], 'policy', { preInterventionAfterRewind: opt, window: 3 }))).toBe('rrpppoo');
    }
    expect(() => labelSteps(steps, ev, 'policy', { preInterventionAfterRewind: 'later' as never })).toThrow(/preInterventionAfterRewind must be one of kept, undone, none, got later/);
  });

  it('handles rewinds to the start, nested rewinds and rewound corrections', () => {
    expect(classes(labelSteps(seq('rrrroo'), [{ type: 'rewind', fromStep: 3, toStep: -1 }], 'policy'))).toBe('xxxxoo');
    // 0..9 robot; rewind 9->5; 10..14 robot; rewind 14->2 undoes 3..5 and 10..14; then operator
    const l = labelSteps(
      seq('r'.repeat(15) + 'oo'),
      [
        { type: 'rewind', fromStep: 9, toStep: 5 },
        { type: 'rewind', fromStep: 14, toStep: 2 },
      ],
      'policy',
    );
    expect(classes(l)).toBe('ppp' + 'x'.repeat(12) + 'oo');
    // the operator rewinds their own correction: it is rewound too, and the retry is a new onset
    expect(classes(labelSteps(seq('rrroorro'), [{ type: 'rewind', fromStep: 4, toStep: 2 }], 'policy'))).toBe('pppxxppo');
  });

  it('labels the real-robot drive-back as recovery, excluded by default', () => {
    const steps = seq('rrrrr' + 'vvv' + 'oo', 0);
    const l = labelSteps(steps, [{ type: 'rewind', fromStep: 4, toStep: 1 }], 'policy');
    expect(classes(l)).toBe('ppxxxvvvoo');
    expect(l[6].train).toBe(false);
    expect(labelSteps(steps, [{ type: 'rewind', fromStep: 4, toStep: 1 }], 'policy', { includeRecovery: true })[6].train).toBe(true);
  });

  it('rejects bad input with a clear error', () => {
    expect(() => labelSteps([...seq('rr'), { step: 1, source: 'policy', mode: 'AUTONOMOUS' }], [], 'policy')).toThrow(/must increase/);
    expect(() => labelSteps(seq('rr'), [{ type: 'rewind', fromStep: 1, toStep: 3 }], 'policy')).toThrow(/toStep <= fromStep/);
    expect(() => labelSteps(seq('rr'), [{ type: 'rewind', fromStep: '1', toStep: 0 }], 'policy')).toThrow(/whole numbers/);
  });

  it('agrees with the Sirius rule on robot/operator sequences (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 120 }), fc.integer({ min: 0, max: 20 }), (ops, window) => {
        const steps = seq(ops.map((o) => (o ? 'o' : 'r')).join(''));
        const labels = labelSteps(steps, [], 'policy', { window });
        const expected = siriusIntvLabels(ops.map((o) => (o ? 1 : 0)), window);
        expect(labels.map((l) => l.intvLabel)).toEqual(expected);
        expect(labels.map((l) => l.actionMode)).toEqual(ops.map((o) => (o ? 1 : 0)));
      }),
    );
  });

  it('keeps every label total under random rewinds (property)', () => {
    const allowed: Record<string, string[]> = { r: ['robot', 'pre_intervention'], o: ['intervention'], n: ['idle'], v: ['recovery'] };
    fc.assert(
      fc.property(fc.array(fc.constantFrom('r', 'o', 'n', 'v'), { minLength: 1, maxLength: 80 }), fc.array(fc.tuple(fc.nat(), fc.nat())), (chars, cuts) => {
        const steps = seq(chars.join(''));
        const last = steps.length - 1;
        const events = cuts.map(([a, b]) => {
          const fromStep = a % (last + 1);
          return { type: 'rewind', fromStep, toStep: (b % (fromStep + 2)) - 1 };
        });
        const labels = labelSteps(steps, events, 'policy');
        expect(labels).toHaveLength(steps.length);
        for (let i = 0; i < steps.length; i++) {
          // a step is rewound iff some rewind after it undid it; otherwise its class follows its source
          const undone = events.some((e) => e.fromStep >= steps[i].step && e.toStep < steps[i].step);
          if (undone) expect(labels[i].cls).toBe('rewound');
          else expect(allowed[chars[i]]).toContain(labels[i].cls);
        }
      }),
    );
  });
});

describe('summarizeLabels', () => {
  it('counts onsets and intervention steps in effect', () => {
    const steps = seq('rroorrooonoorr', 100);
    expect(summarizeLabels(labelSteps(steps, [], 'policy'), steps)).toEqual({ interventionCount: 2, interventionSteps: 7, interventionOnsets: [102, 106] });
    const s2 = seq('rroo');
    expect(summarizeLabels(labelSteps(s2, [{ type: 'rewind', fromStep: 3, toStep: 1 }], 'policy'), s2)).toEqual({
      interventionCount: 0,
      interventionSteps: 0,
      interventionOnsets: [],
    });
  });
});

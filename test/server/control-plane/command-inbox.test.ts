import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandInbox, type InboxItem } from '../../../server/control-plane/command-inbox.ts';

type It = InboxItem & { n: number };
const item = (n: number, lane: It['lane'], operatorId = 'a', robot = 'arm0'): It => ({ n, lane, operatorId, robot });

function drained(inbox: CommandInbox<It>): Array<{ n: number; superseded: number[] }> {
  const out: Array<{ n: number; superseded: number[] }> = [];
  inbox.drain((it, sup) => out.push({ n: it.n, superseded: sup.map((s) => s.n) }));
  return out;
}

describe('CommandInbox', () => {
  it('an e-stop queued behind 10,000 teleops runs first; the teleops collapse to the latest per robot and operator', () => {
    const inbox = new CommandInbox<It>();
    for (let i = 0; i < 10_000; i++) inbox.push(item(i, 'teleop', 'a', i % 2 ? 'arm1' : 'arm0'));
    inbox.push(item(10_000, 'urgent', 'b'));
    const out = drained(inbox);
    expect(out[0].n).toBe(10_000);
    expect(out.slice(1).map((o) => o.n)).toEqual([9998, 9999]);
    // every superseded teleop is handed over so it can be answered too
    expect(out[1].superseded).toHaveLength(4999);
    expect(out[2].superseded).toHaveLength(4999);
  });

  it('pause and hand_back overtake other commands but not an earlier command of their own operator', () => {
    const inbox = new CommandInbox<It>();
    inbox.push(item(1, 'normal', 'b')); // b's reset_episode
    inbox.push(item(2, 'normal', 'c')); // c's rewind
    inbox.push(item(3, 'teleop', 'c'));
    inbox.push(item(4, 'safety', 'a')); // a's pause overtakes both
    inbox.push(item(5, 'normal', 'd')); // d's take_over
    inbox.push(item(6, 'safety', 'd')); // d's hand_back stays after d's own take_over
    inbox.push(item(7, 'urgent', 'e')); // an e-stop overtakes everything
    expect(drained(inbox).map((o) => o.n)).toEqual([7, 4, 1, 2, 5, 6, 3]);
  });

  it('refuses ordered commands past its limit, never e-stops or teleops', () => {
    const inbox = new CommandInbox<It>({ limit: 2 });
    expect(inbox.push(item(1, 'normal', 'a'))).toBe(true);
    expect(inbox.push(item(2, 'safety', 'b'))).toBe(true);
    expect(inbox.push(item(3, 'normal'))).toBe(false);
    expect(inbox.push(item(4, 'urgent'))).toBe(true);
    expect(inbox.push(item(5, 'teleop'))).toBe(true);
    expect(inbox.size).toBe(4);
    expect(drained(inbox).map((o) => o.n)).toEqual([4, 2, 1, 5]);
    expect(inbox.size).toBe(0);
  });

  it('property: urgent first; each operator keeps its order of non-teleop commands; every item is run or superseded once', () => {
    const lane = fc.constantFrom<It['lane']>('urgent', 'safety', 'normal', 'teleop');
    const op = fc.constantFrom('a', 'b', 'c');
    fc.assert(fc.property(fc.array(fc.tuple(lane, op, fc.constantFrom('arm0', 'arm1')), { maxLength: 60 }), (specs) => {
      const inbox = new CommandInbox<It>({ limit: 1000 });
      specs.forEach(([l, o, r], n) => inbox.push(item(n, l, o, r)));
      const out = drained(inbox);
      const lanes = out.map((x) => specs[x.n][0]);
      const firstOther = lanes.findIndex((l) => l !== 'urgent');
      if (firstOther >= 0) expect(lanes.slice(firstOther)).not.toContain('urgent');
      for (const o of ['a', 'b', 'c']) {
        const mine = out.filter((x) => specs[x.n][1] === o && (specs[x.n][0] === 'normal' || specs[x.n][0] === 'safety')).map((x) => x.n);
        const normalsThenSafety = mine.filter((n) => specs[n][0] === 'normal');
        expect(normalsThenSafety).toEqual([...normalsThenSafety].sort((x, y) => x - y));
        const safeties = mine.filter((n) => specs[n][0] === 'safety');
        expect(safeties).toEqual([...safeties].sort((x, y) => x - y));
        // a safety command never runs before an earlier non-teleop command of its own operator
        for (const s of safeties) for (const m of normalsThenSafety) if (m < s) expect(mine.indexOf(m)).toBeLessThan(mine.indexOf(s));
      }
      const seen = out.flatMap((x) => [x.n, ...x.superseded]).sort((x, y) => x - y);
      expect(seen).toEqual(specs.map((_, n) => n));
    }));
  });
});

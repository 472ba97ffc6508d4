import { describe, expect, it } from 'vitest';
import { RewindBuffer } from '../../../server/control/rewind-buffer.ts';
import { DriveBack } from '../../../server/control/drive-back.ts';

const q = (v: number) => [v, -v, 2 * v];

describe('RewindBuffer', () => {
  it('finds entries by step and by seconds, within its horizon only', () => {
    const b = new RewindBuffer({ horizonSeconds: 1, rateHz: 10, dof: 3 });
    expect(b.capacity).toBe(11);
    for (let s = 0; s < 25; s++) b.push(s, s * 0.1, q(s), { state: new Float64Array(4) });
    expect(b.size).toBe(11);
    expect(b.find({ toStep: 20 })!.q).toEqual(Float64Array.from(q(20)));
    expect(b.find({ toStep: 13 })).toBeNull(); // beyond the horizon: forgotten
    expect(b.find({ toStep: 30 })).toBeNull(); // the future
    expect(b.find({ seconds: 0.5 })!.step).toBe(19);
    expect(b.find({ seconds: 5 })).toBeNull();
    expect(b.horizonAvailable).toBeCloseTo(1.0, 9);
    expect(b.bytes).toBeGreaterThan(11 * 32);
  });

  it('hands out the snapshot it is about to overwrite, so a full ring allocates none', () => {
    const b = new RewindBuffer({ horizonSeconds: 0.2, rateHz: 10, dof: 3 });
    const snaps = Array.from({ length: 3 }, (_, i) => ({ state: new Float64Array(2).fill(i) }));
    for (let s = 0; s < 3; s++) {
      expect(b.evictable()).toBeNull(); // still filling
      b.push(s, s * 0.1, q(s), snaps[s]);
    }
    expect(b.evictable()).toBe(snaps[0]); // the oldest, next to go
    b.push(3, 0.3, q(3), snaps[0]);
    expect(b.find({ toStep: 0 })).toBeNull();
    expect(b.find({ toStep: 3 })!.snapshot).toBe(snaps[0]);
    expect(b.evictable()).toBe(snaps[1]);
  });

  it('keeps the snapshots of forgotten entries for reuse: episodes shorter than the horizon allocate none after the first', () => {
    const b = new RewindBuffer({ horizonSeconds: 10, rateHz: 10, dof: 3 });
    const snaps = Array.from({ length: 4 }, (_, i) => ({ state: new Float64Array(2).fill(i) }));
    for (let s = 0; s < 4; s++) b.push(s, s * 0.1, q(s), snaps[s]);
    const held = b.bytes;
    b.clear(); // a new episode
    expect(b.size).toBe(0);
    expect(b.find({ toStep: 0 })).toBeNull();
    const reused: unknown[] = [];
    for (let s = 0; s < 4; s++) {
      const spare = b.evictable();
      expect(spare).not.toBeNull();
      reused.push(spare);
      b.push(s, s * 0.1, q(s), spare);
    }
    expect(new Set(reused)).toEqual(new Set(snaps));
    expect(b.bytes).toBe(held);
    // undone steps leave their snapshots too
    b.truncateAfter(1);
    expect(b.size).toBe(2);
    expect(b.evictable()).toBe(reused[2]);
  });

  it('gives the joint path back newest first and forgets undone steps', () => {
    const b = new RewindBuffer({ horizonSeconds: 10, rateHz: 10, dof: 3 });
    for (let s = 0; s < 6; s++) b.push(s, s * 0.1, q(s), null);
    const path = b.pathBack(2);
    expect(path.map((p) => p[0])).toEqual([5, 4, 3, 2]);
    b.truncateAfter(2);
    expect(b.size).toBe(3);
    expect(b.find({ toStep: 4 })).toBeNull();
    b.push(7, 0.7, q(7), null); // recording continues with new step indices
    expect(b.pathBack(0).map((p) => p[0])).toEqual([7, 2, 1, 0]);
  });
});

describe('DriveBack', () => {
  it('replays the path in reverse, then settles on the target', () => {
    const path = [Float64Array.of(3), Float64Array.of(2), Float64Array.of(1)];
    const d = new DriveBack(path, 7, { tolerance: 0.01, settleTicks: 3 });
    expect(d.next([3])![0]).toBe(2);
    expect(d.next([2.5])![0]).toBe(1);
    expect(d.next([1.5])![0]).toBe(1); // not there yet: keep commanding the target
    expect(d.next([1.005])).toBeNull(); // within tolerance
  });

  it('gives up after the settle budget if the arm cannot reach the target', () => {
    const d = new DriveBack([Float64Array.of(1)], 0, { tolerance: 0.01, settleTicks: 2 });
    expect(d.next([0])).not.toBeNull();
    expect(d.next([0])).not.toBeNull();
    expect(d.next([0])).toBeNull();
  });
});

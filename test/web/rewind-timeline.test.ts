import { describe, expect, it } from 'vitest';
import { StepPoses } from '../../web/replay/step-poses.ts';
import { timelineScale } from '../../web/ui/timeline-bar.ts';

describe('timelineScale', () => {
  it('a 4-step episode spans a sliver of a 30 s window, not the whole bar', () => {
    expect(timelineScale(4, 20)).toBe(600);
    expect(timelineScale(0, 20)).toBe(600);
  });
  it('grows by whole windows once an episode passes one', () => {
    expect(timelineScale(600, 20)).toBe(600);
    expect(timelineScale(601, 20)).toBe(1200);
  });
});

describe('StepPoses', () => {
  it('returns the poses seen at a step, forgets a finished episode and stays bounded', () => {
    const p = new StepPoses(2);
    p.push('e1', 3, [1, 2, 3]);
    expect(p.at(3)).toEqual([1, 2, 3]);
    expect(p.at(4)).toBeNull();
    p.push('e1', 4, [4]);
    p.push('e1', 5, [5]);
    expect(p.at(3)).toBeNull(); // the oldest went
    expect(p.at(5)).toEqual([5]);
    p.push('e2', 0, [0]);
    expect(p.at(5)).toBeNull();
  });
});

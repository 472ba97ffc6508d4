import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/control/clock.ts';
import { EpisodeRunner, runEpisodes, type SteppedLoop } from '../../../server/control/episode-runner.ts';

/** A loop double: succeeds after `seed % 5` ticks when that is not 0, else runs into the step limit. */
function fakeLoop(stepLimit: number): SteppedLoop & { ticks: number; starts: number[] } {
  let n = 0;
  const episodes = new EpisodeRunner({ robotId: 'r', task: 't', seed: 0, stepLimit, recorder: null, policyVersion: () => null, newId: () => `e${n++}` });
  const loop = {
    dt: 0.05,
    ticks: 0,
    starts: [] as number[],
    episodes,
    get episode() { return episodes.current; },
    start(seed?: number) { loop.resetEpisode(seed); },
    resetEpisode(seed?: number) { loop.starts.push(seed!); return episodes.begin(0, seed); },
    tick() {
      loop.ticks++;
      const ep = episodes.current!;
      ep.step++;
      const v = episodes.verdict(ep.seed % 5 !== 0 && ep.step >= ep.seed % 5);
      if (v) episodes.end(v, 0);
    },
  };
  return loop;
}

describe('runEpisodes', () => {
  it('runs one episode per seed, in order, each to its outcome, advancing the clock one tick per tick', async () => {
    const loop = fakeLoop(10);
    const clock = new ManualClock();
    const seen: number[] = [];
    const r = await runEpisodes(loop, clock, [3, 5, 1], { onEpisode: (i) => void seen.push(i) });
    expect(loop.starts).toEqual([3, 5, 1]);
    expect(r.map((e) => [e.seed, e.outcome, e.steps])).toEqual([[3, 'success', 3], [5, 'timeout', 10], [1, 'success', 1]]);
    expect(seen).toEqual([0, 1, 2]);
    expect(clock.now()).toBeCloseTo(14 * 0.05, 9);
  });

  it('refuses a loop without a step limit (an unsuccessful episode would never end)', async () => {
    await expect(runEpisodes(fakeLoop(0), new ManualClock(), [1])).rejects.toThrow(/needs a step limit/);
  });
});

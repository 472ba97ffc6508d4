import { describe, expect, it } from 'vitest';
import { ScriptedExpert } from '../../sim/scripted-expert.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import { actingLoop, runActing } from './support/acting-episode.ts';

/** Success of the expert through the control loop a sim robot runs (IK, safety filter, workspace limits). */
async function successRate(task: TaskName, seeds: number[]): Promise<{ rate: number; failed: number[] }> {
  const sl = await actingLoop(task);
  const expert = new ScriptedExpert(task);
  const failed: number[] = [];
  for (const seed of seeds) if (!(await runActing(sl, expert, seed)).success) failed.push(seed);
  return { rate: 1 - failed.length / seeds.length, failed };
}

const SEEDS = Array.from({ length: 100 }, (_, i) => 1000 + i);

describe('scripted expert through the deployed control loop', () => {
  it('lifts the cube on at least 95% of 100 fixed seeds', async () => {
    const { rate, failed } = await successRate('lift', SEEDS);
    expect(rate, `failed seeds: ${failed.join(',')}`).toBeGreaterThanOrEqual(0.95);
  }, 300_000); // 100 physics episodes: generous guard for a loaded 2-core machine, not a speed check

  it('places the cube on at least 95% of 100 fixed seeds', async () => {
    const { rate, failed } = await successRate('place', SEEDS);
    expect(rate, `failed seeds: ${failed.join(',')}`).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it('reaches random points', async () => {
    const { rate } = await successRate('reach', SEEDS.slice(0, 20));
    expect(rate).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('fails when it does nothing (the success check is not trivially true)', async () => {
    const sl = await actingLoop('place');
    const idle = { name: 'idle', act: () => [0, 0, 0, 0, 0, 0, -1] };
    expect((await runActing(sl, idle, 1)).success).toBe(false);
  }, 120_000);
});

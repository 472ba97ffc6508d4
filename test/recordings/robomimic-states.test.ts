import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../core/step.ts';
import type { ActionSource } from '../../server/control/action-source.ts';
import { ManualClock } from '../../server/control/clock.ts';
import { ControlLoop } from '../../server/control/control-loop.ts';
import { SimBridge } from '../../server/robots/sim-bridge.ts';
import { compileModel } from '../../sim/mujoco-runtime.ts';
import { EE_SITE } from '../../sim/panda-model.ts';
import { mat3ToQuat } from '../../sim/quat.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { exportRobomimic } from '../../recordings/robomimic-export.ts';
import { MemoryRecorder } from '../server/support/memory-recorder.ts';
import { testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const limits = { workspaceMin: [0.1, -0.6, 0.0] as const, workspaceMax: [0.9, 0.6, 0.8] as const, maxEeStep: 0.05 };
/** TEST DOUBLE policy: a sweep with a turn and a closing gripper, so every step moves the arm. */
const sweep: ActionSource = { name: 'sweep', version: 'test-v1', propose: () => [0.5, 0.3, -0.4, 0.1, 0, 0.3, 1] };
const STEPS = 30;

/** A simulated robot's episode through the real control loop, then its journal on disk. */
async function recordSimEpisode(dir: string): Promise<string> {
  const bridge = await SimBridge.create({ id: 'sim-a', task: 'place', seed: 6 });
  await bridge.connect();
  const clock = new ManualClock();
  const recorder = new MemoryRecorder();
  const loop = new ControlLoop({
    robotId: bridge.id, bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20, recorder, policy: sweep,
    task: 'place', seed: 6, newEpisodeId: () => 'ep-states', autoReset: false,
  });
  loop.start();
  for (let i = 0; i < STEPS; i++) {
    clock.advance(loop.dt);
    loop.tick();
  }
  const file = path.join(dir, 'ep-states.mcap');
  const w = new JournalWriter(new FileSink(file), testMeta('ep-states', { robotId: 'sim-a', kind: 'policy' }));
  recorder.steps.forEach((s, i) => w.writeStep(s, 1_790_000_000_000 + i));
  await w.finish({ endedAt: 1_790_000_010_000, outcome: 'success', steps: recorder.steps.length, dropped: 0 });
  return file;
}

describe('robomimic states of simulated episodes', () => {
  let steps: Step[];
  let file: string;

  beforeAll(async () => {
    await h5wasm.ready;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tko-states-'));
    dirs.push(dir);
    const journal = await recordSimEpisode(dir);
    steps = (await readJournalFile(journal)).steps;
    file = path.join(dir, 'out.hdf5');
    const s = await exportRobomimic([{ id: 'ep-states', kind: 'policy', task: 'place', outcome: 'success', steps, events: [] }], file, { controlHz: 20 });
    expect(s).toMatchObject({ demos: 1, withStates: 1, withoutStates: [] });
  }, 60_000);

  it('the journal carries every step’s whole MuJoCo state, exactly', () => {
    expect(steps).toHaveLength(STEPS);
    for (const s of steps) expect(s.physicsState).toHaveLength(steps[0].physicsState!.length);
    // time since the reset, then qpos: the arm joints are the first seven
    for (const s of steps.slice(1)) {
      expect(s.physicsState![0]).toBeGreaterThan(0);
      expect(s.physicsState!.slice(1, 8)).toEqual(s.obs.q);
    }
  });

  it('restoring the exported state of step k into a fresh model from model_file gives step k’s EE pose', async () => {
    const f = new h5wasm.File(file, 'r');
    try {
      const demo = f.get('data/demo_0') as InstanceType<typeof h5wasm.Group>;
      const states = f.get('data/demo_0/states') as unknown as { shape: number[]; dtype: string; value: Float64Array };
      expect(states.shape).toEqual([STEPS, steps[0].physicsState!.length]);
      expect(states.dtype).toBe('<d');
      const spec = Number(demo.attrs['takeover_state_spec'].value);
      const xml = String(demo.attrs['model_file'].value);
      expect(xml).toMatch(/<mujoco/);
      // a fresh MuJoCo model compiled from the exported XML alone, as robomimic's env.reset_to does
      const { mujoco, model } = await compileModel(xml);
      const data = new mujoco.MjData(model);
      const site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE.value as never, EE_SITE);
      const width = states.shape[1];
      for (const k of [0, 7, 15, STEPS - 1]) {
        const row = Array.from(states.value.subarray(k * width, (k + 1) * width));
        expect(row).toEqual(steps[k].physicsState);
        mujoco.mj_setState(model, data, row as never, spec as never);
        mujoco.mj_forward(model, data);
        const pos = Array.from((data.site_xpos as Float64Array).subarray(3 * site, 3 * site + 3));
        const quat = Array.from(mat3ToQuat(data.site_xmat as Float64Array, new Float64Array(4), 9 * site) as Float64Array);
        expect(pos).toEqual(steps[k].obs.eePos);
        expect(quat).toEqual(steps[k].obs.eeQuat);
      }
      data.delete?.();
    } finally {
      f.close();
    }
  });

  it('an episode with a step lacking its state is written without states, and says why', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tko-states-'));
    dirs.push(dir);
    const partial = steps.map((s, i) => (i === 4 ? { ...s, physicsState: undefined } : s));
    const out = path.join(dir, 'partial.hdf5');
    const s = await exportRobomimic([{ id: 'ep-part', kind: 'policy', task: 'place', outcome: 'success', steps: partial, events: [] }], out, { controlHz: 20 });
    expect(s).toMatchObject({ demos: 1, withStates: 0, withoutStates: [{ id: 'ep-part', reason: 'step 4 has no simulator state' }] });
    const f = new h5wasm.File(out, 'r');
    try {
      expect(f.get('data/demo_0/states')).toBeNull();
    } finally {
      f.close();
    }
  });
});

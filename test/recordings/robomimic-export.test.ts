import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../core/step.ts';
import { exportRobomimic, type ExportEpisode } from '../../recordings/robomimic-export.ts';
import { labelSteps } from '../../recordings/step-labels.ts';
import { makeStep, rng } from './fixtures/step-factory.ts';

const dir = mkdtempSync(join(tmpdir(), 'tko-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await h5wasm.ready;
});

// policy episode: the fixture hands control to the operator at steps 7-9 of every ten; 41..45 are rewound
const rand = rng(3);
const policySteps: Step[] = Array.from({ length: 60 }, (_, i) => makeStep('p', i, rand, { recovery: undefined }));
const rewind = { type: 'rewind', t: 0.9, step: 45, fromStep: 45, toStep: 40 };
const episodes: ExportEpisode[] = [
  { id: 'p', kind: 'policy', task: 'place', outcome: 'success', steps: policySteps, events: [rewind], tags: ['wsirius', 'round2'] },
  { id: 'idle', kind: 'policy', task: 'place', outcome: 'aborted', steps: [0, 1, 2].map((i) => makeStep('idle', i, rand, { source: 'none', mode: 'PAUSED', executed: null })), events: [] },
  { id: 'd', kind: 'demo', task: 'place', outcome: 'failure', steps: Array.from({ length: 8 }, (_, i) => makeStep('d', i, rand, { source: 'operator', mode: 'INTERVENING', recovery: undefined })), events: [] },
];

/** Reads a dataset back through HDF5 itself (h5wasm's reader), as numbers. */
function read(f: InstanceType<typeof h5wasm.File>, path: string): { shape: number[]; values: number[] } {
  const d = f.get(path) as { shape: number[]; value: ArrayLike<number> };
  return { shape: d.shape, values: Array.from(d.value) };
}

describe('exportRobomimic', () => {
  it('writes one robomimic demo per episode with the actions that ran and Sirius labels', async () => {
    const file = join(dir, 'a.hdf5');
    const s = await exportRobomimic(episodes, file, { controlHz: 20 });
    const labels = labelSteps(policySteps, [rewind], 'policy');
    const kept = policySteps.flatMap((st, i) => (labels[i].train && st.executed ? [i] : []));
    expect(kept.some((i) => labels[i].cls === 'pre_intervention')).toBe(true);
    expect(kept.every((i) => i <= 40 || i > 45)).toBe(true); // rewound steps are left out
    const demoKept = episodes[2].steps.filter((st) => st.executed).length; // a step that held has no action to learn
    expect(demoKept).toBe(7);
    expect(s).toMatchObject({ demos: 2, samples: kept.length + demoKept, skipped: [{ id: 'idle' }] });

    const f = new h5wasm.File(file, 'r');
    try {
      const data = f.get('data') as InstanceType<typeof h5wasm.Group>;
      expect(data.keys()).toEqual(['demo_0', 'demo_1']);
      expect(data.attrs['total'].value).toBe(kept.length + demoKept);
      // env_kwargs go to the env constructor in robomimic: empty, the description lives in takeover_* attributes
      expect(JSON.parse(String(data.attrs['env_args'].value))).toEqual({ env_name: 'takeover-place', type: 2, env_kwargs: {} });
      expect(data.attrs['takeover_control_hz'].value).toBe(20);
      // filter keys, and Sirius's round per demo from the loop's tags
      expect(Array.from((f.get('mask/train') as { value: ArrayLike<string> }).value)).toEqual(['demo_0']);
      expect(Array.from((f.get('mask/valid') as { value: ArrayLike<string> }).value)).toEqual(['demo_1']);
      expect((f.get('data/demo_0') as InstanceType<typeof h5wasm.Group>).attrs['round'].value).toBe(2);
      expect((f.get('data/demo_1') as InstanceType<typeof h5wasm.Group>).attrs['round'].value).toBe(0);
      const n = kept.length;
      const actions = read(f, 'data/demo_0/actions');
      expect(actions.shape).toEqual([n, 7]);
      expect(actions.values).toEqual(kept.flatMap((i) => policySteps[i].executed!));
      expect(read(f, 'data/demo_0/action_modes').values).toEqual(kept.map((i) => labels[i].actionMode));
      expect(read(f, 'data/demo_0/intv_labels').values).toEqual(kept.map((i) => labels[i].intvLabel));
      expect(read(f, 'data/demo_0/intv_labels').values).toEqual(expect.arrayContaining([1, -10])); // interventions every 10 steps: every robot step is within 15 of one
      expect(read(f, 'data/demo_0/rewards').values).toEqual(kept.map((_, k) => (k === n - 1 ? 1 : 0)));
      expect(read(f, 'data/demo_0/dones').values).toEqual(kept.map((_, k) => (k === n - 1 ? 1 : 0)));
      // observations in robosuite's naming; quaternions x, y, z, w; next_obs is the next sample's obs
      const quat = read(f, 'data/demo_0/obs/robot0_eef_quat');
      const q0 = policySteps[kept[0]].obs.eeQuat;
      expect(quat.values.slice(0, 4)).toEqual([q0[1], q0[2], q0[3], q0[0]]);
      expect(read(f, 'data/demo_0/obs/robot0_joint_pos').values.slice(0, 7)).toEqual(policySteps[kept[0]].obs.q);
      expect(read(f, 'data/demo_0/next_obs/robot0_eef_pos').values.slice(0, 3)).toEqual(policySteps[kept[1]].obs.eePos);
      expect(read(f, 'data/demo_0/obs/object').shape).toEqual([n, 14]);
      expect(read(f, 'data/demo_0/obs/robot0_gripper_qpos').values.slice(0, 2)).toEqual([policySteps[kept[0]].obs.gripper / 2, -policySteps[kept[0]].obs.gripper / 2]);
      // the demo: every sample labelled -1, a failure earns no reward
      expect(read(f, 'data/demo_1/action_modes').values).toEqual(Array(demoKept).fill(-1));
      expect(read(f, 'data/demo_1/rewards').values).toEqual(Array(demoKept).fill(0));
      expect((f.get('data/demo_1') as InstanceType<typeof h5wasm.Group>).attrs['takeover_episode_id'].value).toBe('d');
    } finally {
      f.close();
    }
  });

  it('includes rewound steps only when asked, labelled by who drove them', async () => {
    const file = join(dir, 'b.hdf5');
    const s = await exportRobomimic(episodes.slice(0, 1), file, { includeRewound: true });
    expect(s.classes.rewound).toBe(policySteps.slice(41, 46).filter((st) => st.executed).length);
    const f = new h5wasm.File(file, 'r');
    try {
      const modes = read(f, 'data/demo_0/action_modes').values;
      expect(modes.every((m) => m === 0 || m === 1)).toBe(true);
    } finally {
      f.close();
    }
  });
});

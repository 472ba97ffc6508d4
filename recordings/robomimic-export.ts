import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Outcome, Step } from '../core/step.ts';
import { simStateModel, stackStates } from './sim-states.ts';
import { exportableSteps, type LabelOptions, type StepClass } from './step-labels.ts';

/** One recorded episode to export: its catalog facts and its journal's steps and events. */
export interface ExportEpisode {
  id: string;
  kind: 'policy' | 'demo';
  task: string;
  outcome: Outcome | null;
  steps: readonly Step[];
  events: readonly { type: string; [k: string]: unknown }[];
  /** the journal's path (the MCAP export copies it) */
  file?: string;
  /** catalog tags; `round<N>` (the learning loop's) gives Sirius's `round` */
  tags?: readonly string[];
}

/** Sirius's deployment round of an episode: N of its `round<N>` tag, 0 (the initial demos) without one. */
export function roundOf(tags: readonly string[] = []): number {
  for (const t of tags) {
    const m = /^round(\d+)$/.exec(t);
    if (m) return Number(m[1]);
  }
  return 0;
}

/** Every tenth demo (k % 10 === 9) is held out for validation; at least one once there are two demos. */
export function isValidationDemo(k: number, demos: number): boolean {
  return demos >= 2 && (k % 10 === 9 || (demos < 10 && k === demos - 1));
}

export interface RobomimicExportOptions extends Pick<LabelOptions, 'includeRewound' | 'includeRecovery'> {
  /** the loop rate the episodes were recorded at, Hz (written into env_args) */
  controlHz?: number;
}

export interface RobomimicExportSummary {
  file: string;
  demos: number;
  samples: number;
  /** exported samples per class */
  classes: Partial<Record<StepClass, number>>;
  /** demos written with `states` and `model_file` (simulated episodes with a recorded state at every sample) */
  withStates: number;
  /** simulated episodes written without `states`, and why (a step without a recorded state) */
  withoutStates: { id: string; reason: string }[];
  /** episodes with no sample to export, and why */
  skipped: { id: string; reason: string }[];
}

/** Observation keys in robomimic's robosuite naming, computed from a takeover observation. */
const OBS_KEYS = ['robot0_joint_pos', 'robot0_joint_vel', 'robot0_eef_pos', 'robot0_eef_quat', 'robot0_gripper_qpos', 'object'] as const;
type ObsKey = (typeof OBS_KEYS)[number];

function obsRow(s: Step, key: ObsKey): number[] {
  const o = s.obs;
  switch (key) {
    case 'robot0_joint_pos':
      return Array.from(o.q);
    case 'robot0_joint_vel':
      return Array.from(o.qd);
    case 'robot0_eef_pos':
      return Array.from(o.eePos);
    case 'robot0_eef_quat': // robosuite orders quaternions x, y, z, w; takeover w, x, y, z
      return [o.eeQuat[1], o.eeQuat[2], o.eeQuat[3], o.eeQuat[0]];
    case 'robot0_gripper_qpos': // two symmetric fingers sharing the recorded opening
      return [o.gripper / 2, -o.gripper / 2];
    case 'object':
      return o.objects.flatMap((b) => [...b.pos, b.quat[1], b.quat[2], b.quat[3], b.quat[0]]);
  }
}

/** Rows stacked into one typed array with its shape; rows must have equal length. */
function stack(rows: number[][], name: string): { data: Float64Array; shape: number[] } {
  const width = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    if (r.length !== width) throw new Error(`${name}: row ${i} has ${r.length} values, the first had ${width}`);
    data.set(r, i * width);
  });
  return { data, shape: [rows.length, width] };
}

/**
 * Writes episodes as one robomimic HDF5 dataset with Sirius's labels (docs/recordings.md):
 * `data/demo_<k>/{actions, obs/*, next_obs/*, rewards, dones, action_modes,
 * intv_labels}` (plus `states` and the `model_file` attribute for simulated episodes) and
 * `data.attrs.{total, env_args}`. A sample is a step the label function keeps
 * for training (rewound and recovery steps only when asked; idle steps never: nothing ran) with
 * the action that ran. Episodes without such a step are skipped and reported.
 */
export async function exportRobomimic(episodes: readonly ExportEpisode[], file: string, opts: RobomimicExportOptions = {}): Promise<RobomimicExportSummary> {
  // HDF5 reports a file it cannot create on stderr and carries on: check the place first
  try {
    accessSync(dirname(file), constants.W_OK);
  } catch {
    throw new Error(`cannot write ${file}: ${dirname(file)} is not a writable directory`);
  }
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`cannot write ${file}: it is a directory`);
  await h5wasm.ready;
  const summary: RobomimicExportSummary = { file, demos: 0, samples: 0, classes: {}, withStates: 0, withoutStates: [], skipped: [] };
  const h5 = new h5wasm.File(file, 'w');
  try {
    const data = h5.create_group('data');
    const objectNames = new Set<string>();
    let task = '';
    for (const ep of episodes) {
      const { labels, keep, skip } = exportableSteps(ep.steps, ep.events, ep.kind, opts);
      if (skip !== null) {
        summary.skipped.push({ id: ep.id, reason: skip });
        continue;
      }
      task ||= ep.task;
      const steps = keep.map((i) => ep.steps[i]);
      // the observation after each sample: the next kept step's, the last sample's own at the end
      const next = steps.map((_, k) => steps[Math.min(k + 1, steps.length - 1)]);
      const demo = data.create_group(`demo_${summary.demos}`);
      demo.create_attribute('num_samples', steps.length);
      demo.create_attribute('takeover_episode_id', ep.id);
      demo.create_attribute('takeover_outcome', ep.outcome ?? 'unknown');
      demo.create_attribute('round', roundOf(ep.tags));
      const actions = stack(steps.map((s) => Array.from(s.executed!)), `${ep.id} actions`);
      demo.create_dataset({ name: 'actions', data: actions.data, shape: actions.shape });
      // robomimic restores a demo from its states and the model (env.reset_to): only simulated episodes have them
      if (steps.some((s) => s.physicsState)) {
        const m = await simStateModel();
        const states = stackStates(steps, m);
        if ('missing' in states) summary.withoutStates.push({ id: ep.id, reason: states.missing });
        else {
          demo.create_dataset({ name: 'states', data: states.data, shape: states.shape });
          demo.create_attribute('model_file', m.xml);
          demo.create_attribute('takeover_state_spec', m.spec);
          summary.withStates++;
        }
      }
      for (const [group, rows] of [['obs', steps], ['next_obs', next]] as const) {
        const g = demo.create_group(group);
        for (const key of OBS_KEYS) {
          const m = stack(rows.map((s) => obsRow(s, key)), `${ep.id} ${group}/${key}`);
          g.create_dataset({ name: key, data: m.data, shape: m.shape });
        }
      }
      for (const b of steps[0].obs.objects) objectNames.add(b.name);
      const n = steps.length;
      const last = (v: number) => Float64Array.from({ length: n }, (_, k) => (k === n - 1 ? v : 0));
      demo.create_dataset({ name: 'rewards', data: last(ep.outcome === 'success' ? 1 : 0), shape: [n] });
      demo.create_dataset({ name: 'dones', data: Int32Array.from(last(1)), shape: [n] });
      const kept = keep.map((i) => labels[i]);
      // rewound and recovery steps (only when asked for) have no Sirius value: they count by who drove
      const mode = (k: number) => kept[k].actionMode ?? (steps[k].source === 'operator' ? 1 : 0);
      demo.create_dataset({ name: 'action_modes', data: Int32Array.from({ length: n }, (_, k) => mode(k)), shape: [n] });
      demo.create_dataset({ name: 'intv_labels', data: Int32Array.from({ length: n }, (_, k) => kept[k].intvLabel ?? mode(k)), shape: [n] });
      for (const l of kept) summary.classes[l.cls] = (summary.classes[l.cls] ?? 0) + 1;
      summary.demos++;
      summary.samples += n;
    }
    data.create_attribute('total', summary.samples);
    // robomimic passes env_kwargs to the env constructor: nothing descriptive goes there (docs/recordings.md)
    data.create_attribute('env_args', JSON.stringify({ env_name: `takeover-${task || 'unknown'}`, type: 2, env_kwargs: {} }));
    data.create_attribute('takeover_control_hz', opts.controlHz ?? 0);
    data.create_attribute('takeover_action', 'normalized EE delta [dx, dy, dz, droll, dpitch, dyaw, gripper] in [-1, 1], base frame');
    data.create_attribute('takeover_object_layout', JSON.stringify([...objectNames].map((name) => `${name}: pos xyz, quat xyzw`)));
    // robomimic's filter keys: demo names under mask/<key>
    const names = Array.from({ length: summary.demos }, (_, k) => `demo_${k}`);
    const mask = h5.create_group('mask');
    const train = names.filter((_, k) => !isValidationDemo(k, names.length));
    const valid = names.filter((_, k) => isValidationDemo(k, names.length));
    if (train.length) mask.create_dataset({ name: 'train', data: train });
    if (valid.length) mask.create_dataset({ name: 'valid', data: valid });
  } finally {
    h5.close();
  }
  // read the count back through HDF5: a write that failed inside the library shows here
  const check = new h5wasm.File(file, 'r');
  try {
    const total = (check.get('data') as InstanceType<typeof h5wasm.Group> | null)?.attrs['total']?.value;
    if (Number(total) !== summary.samples) throw new Error(`writing ${file} failed: it reads back ${String(total)} samples, not ${summary.samples}`);
  } finally {
    check.close();
  }
  return summary;
}

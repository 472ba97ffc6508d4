import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Field, FixedSizeList, Float32, Int64, List, Table, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm/node';
import type { Step } from '../core/step.ts';
import type { ExportEpisode } from './robomimic-export.ts';
import { exportableSteps, type LabelOptions } from './step-labels.ts';

export interface LeRobotExportOptions extends Pick<LabelOptions, 'includeRewound' | 'includeRecovery'> {
  /** frames per second: the loop rate the episodes were recorded at */
  fps?: number;
  /** info.json's robot_type */
  robotType?: string;
}

export interface LeRobotExportSummary {
  dir: string;
  episodes: number;
  frames: number;
  skipped: { id: string; reason: string }[];
}

/** observation.state, in this order: joint positions, EE position, EE quaternion (w x y z), gripper opening. */
const stateOf = (s: Step) => [...s.obs.q, ...s.obs.eePos, ...s.obs.eeQuat, s.obs.gripper];
const envStateOf = (s: Step) => s.obs.objects.flatMap((o) => [...o.pos, ...o.quat]);

const f32 = () => new Float32();
const fixed = (n: number) => new FixedSizeList(n, new Field('item', f32(), true));
const col = (values: unknown[], type: DataType): Vector => vectorFromArray(values as never[], type as never) as Vector;

/** Parquet bytes of an Arrow table, through parquet-wasm (the Rust parquet crate). */
function parquet(table: Table): Uint8Array {
  const wasm = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
  return writeParquet(wasm);
}

type Stats = { min: number[]; max: number[]; mean: number[]; std: number[]; count: number[] };
function stats(rows: number[][]): Stats {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const out: Stats = { min: Array(d).fill(Infinity), max: Array(d).fill(-Infinity), mean: Array(d).fill(0), std: Array(d).fill(0), count: [n] };
  for (const r of rows) r.forEach((v, i) => ((out.min[i] = Math.min(out.min[i], v)), (out.max[i] = Math.max(out.max[i], v)), (out.mean[i] += v / n)));
  for (const r of rows) r.forEach((v, i) => (out.std[i] += (v - out.mean[i]) ** 2 / n));
  out.std = out.std.map(Math.sqrt);
  return out;
}

/**
 * Writes episodes as a LeRobot dataset (codebase v3.0) in `dir` (docs/recordings.md): meta/info.json,
 * meta/stats.json, meta/tasks.parquet, meta/episodes/chunk-000/file-000.parquet and
 * data/chunk-000/file-000.parquet. A frame is a step the label function keeps for training with
 * the action that ran (the samples of the robomimic export); the intervention flag is
 * `complementary_info.is_intervention` as LeRobot's human-in-the-loop recorders write it, and
 * Sirius's labels ride along as `complementary_info.action_mode` and `complementary_info.intv_label`.
 */
export async function exportLeRobot(episodes: readonly ExportEpisode[], dir: string, opts: LeRobotExportOptions = {}): Promise<LeRobotExportSummary> {
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) throw new Error(`cannot write a LeRobot dataset to ${dir}: it is a file`);
  if (statSync(dir, { throwIfNoEntry: false }) && readdirSync(dir).length > 0) throw new Error(`cannot write a LeRobot dataset to ${dir}: the directory is not empty`);
  const fps = opts.fps ?? 20;
  const summary: LeRobotExportSummary = { dir, episodes: 0, frames: 0, skipped: [] };
  const tasks: string[] = [];
  const cols = { state: [] as number[][], env: [] as number[][], action: [] as number[][], timestamp: [] as number[], frame: [] as number[], episode: [] as number[], index: [] as number[], task: [] as number[], reward: [] as number[], done: [] as boolean[], intervention: [] as number[], mode: [] as number[], intv: [] as number[] };
  const eps = { index: [] as number[], tasks: [] as string[][], length: [] as number[], from: [] as number[], to: [] as number[], id: [] as string[], outcome: [] as string[] };
  let envDim = -1;
  for (const ep of episodes) {
    const { labels, keep, skip } = exportableSteps(ep.steps, ep.events, ep.kind, opts);
    if (skip !== null) {
      summary.skipped.push({ id: ep.id, reason: skip });
      continue;
    }
    const e = summary.episodes++;
    let t = tasks.indexOf(ep.task);
    if (t < 0) t = tasks.push(ep.task) - 1;
    eps.index.push(e), eps.tasks.push([ep.task]), eps.length.push(keep.length), eps.from.push(summary.frames), eps.to.push(summary.frames + keep.length);
    eps.id.push(ep.id), eps.outcome.push(ep.outcome ?? 'unknown');
    keep.forEach((i, k) => {
      const s = ep.steps[i];
      const l = labels[i];
      const env = envStateOf(s);
      if (envDim < 0) envDim = env.length;
      if (env.length !== envDim) throw new Error(`${ep.id} step ${s.step}: ${env.length / 7} task objects, earlier episodes had ${envDim / 7}; export one task at a time`);
      const last = k === keep.length - 1;
      const mode = l.actionMode ?? (s.source === 'operator' ? 1 : 0);
      cols.state.push(stateOf(s)), cols.env.push(env), cols.action.push([...s.executed!]);
      cols.timestamp.push(k / fps), cols.frame.push(k), cols.episode.push(e), cols.index.push(summary.frames + k), cols.task.push(t);
      cols.reward.push(last && ep.outcome === 'success' ? 1 : 0), cols.done.push(last);
      cols.intervention.push(s.source === 'operator' && ep.kind === 'policy' ? 1 : 0), cols.mode.push(mode), cols.intv.push(l.intvLabel ?? mode);
    });
    summary.frames += keep.length;
  }
  if (summary.episodes === 0) throw new Error('no episode has a step to export');
  const stateDim = cols.state[0].length;
  const int64 = (v: number[]) => col(v.map(BigInt), new Int64());
  const data = new Table({
    'observation.state': col(cols.state, fixed(stateDim)),
    'observation.environment_state': col(cols.env, fixed(envDim)),
    action: col(cols.action, fixed(7)),
    timestamp: col(cols.timestamp, f32()),
    frame_index: int64(cols.frame),
    episode_index: int64(cols.episode),
    index: int64(cols.index),
    task_index: int64(cols.task),
    'next.reward': col(cols.reward, f32()),
    'next.done': col(cols.done, new Bool()),
    'complementary_info.is_intervention': col(cols.intervention, f32()),
    'complementary_info.action_mode': col(cols.mode, f32()),
    'complementary_info.intv_label': col(cols.intv, f32()),
  });
  const taskTable = new Table({ task: col(tasks, new Utf8()), task_index: int64(tasks.map((_, i) => i)) });
  // pandas reads `task` back as the index, which is how LeRobot looks tasks up
  taskTable.schema.metadata.set('pandas', JSON.stringify({
    index_columns: ['task'], column_indexes: [], creator: { library: 'takeover', version: '1' }, pandas_version: '2.2.0',
    columns: [
      { name: 'task', field_name: 'task', pandas_type: 'unicode', numpy_type: 'object', metadata: null },
      { name: 'task_index', field_name: 'task_index', pandas_type: 'int64', numpy_type: 'int64', metadata: null },
    ],
  }));
  const zeros = eps.index.map(() => 0);
  const episodeTable = new Table({
    episode_index: int64(eps.index),
    tasks: col(eps.tasks, new List(new Field('item', new Utf8(), true))),
    length: int64(eps.length),
    'data/chunk_index': int64(zeros),
    'data/file_index': int64(zeros),
    dataset_from_index: int64(eps.from),
    dataset_to_index: int64(eps.to),
    'meta/episodes/chunk_index': int64(zeros),
    'meta/episodes/file_index': int64(zeros),
    takeover_episode_id: col(eps.id, new Utf8()),
    takeover_outcome: col(eps.outcome, new Utf8()),
  });

  const scalar = (dtype: string, name: string) => ({ dtype, shape: [1], names: [name] });
  const features = {
    'observation.state': { dtype: 'float32', shape: [stateDim], names: [...Array.from({ length: stateDim - 8 }, (_, i) => `joint_${i}`), 'ee_x', 'ee_y', 'ee_z', 'ee_qw', 'ee_qx', 'ee_qy', 'ee_qz', 'gripper'] },
    'observation.environment_state': { dtype: 'float32', shape: [envDim], names: Array.from({ length: envDim }, (_, i) => `object_${Math.floor(i / 7)}_${['x', 'y', 'z', 'qw', 'qx', 'qy', 'qz'][i % 7]}`) },
    action: { dtype: 'float32', shape: [7], names: ['dx', 'dy', 'dz', 'droll', 'dpitch', 'dyaw', 'gripper'] },
    timestamp: { dtype: 'float32', shape: [1], names: null },
    frame_index: { dtype: 'int64', shape: [1], names: null },
    episode_index: { dtype: 'int64', shape: [1], names: null },
    index: { dtype: 'int64', shape: [1], names: null },
    task_index: { dtype: 'int64', shape: [1], names: null },
    'next.reward': scalar('float32', 'reward'),
    'next.done': scalar('bool', 'done'),
    'complementary_info.is_intervention': scalar('float32', 'is_intervention'),
    'complementary_info.action_mode': scalar('float32', 'action_mode'),
    'complementary_info.intv_label': scalar('float32', 'intv_label'),
  };
  const info = {
    codebase_version: 'v3.0',
    robot_type: opts.robotType ?? 'takeover-arm',
    total_episodes: summary.episodes,
    total_frames: summary.frames,
    total_tasks: tasks.length,
    chunks_size: 1000,
    data_files_size_in_mb: 100,
    video_files_size_in_mb: 500,
    fps,
    splits: { train: `0:${summary.episodes}` },
    data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
    video_path: null,
    features,
  };
  const statsJson: Record<string, Stats> = {
    'observation.state': stats(cols.state),
    'observation.environment_state': stats(cols.env),
    action: stats(cols.action),
    'next.reward': stats(cols.reward.map((v) => [v])),
    'complementary_info.is_intervention': stats(cols.intervention.map((v) => [v])),
  };
  mkdirSync(join(dir, 'meta', 'episodes', 'chunk-000'), { recursive: true });
  mkdirSync(join(dir, 'data', 'chunk-000'), { recursive: true });
  writeFileSync(join(dir, 'data', 'chunk-000', 'file-000.parquet'), parquet(data));
  writeFileSync(join(dir, 'meta', 'episodes', 'chunk-000', 'file-000.parquet'), parquet(episodeTable));
  writeFileSync(join(dir, 'meta', 'tasks.parquet'), parquet(taskTable));
  writeFileSync(join(dir, 'meta', 'stats.json'), JSON.stringify(statsJson, null, 2));
  writeFileSync(join(dir, 'meta', 'info.json'), JSON.stringify(info, null, 2));
  return summary;
}

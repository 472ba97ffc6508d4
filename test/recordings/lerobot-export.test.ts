import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { McapIndexedReader } from '@mcap/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { FileReadable } from '../../recordings/file-readable.ts';
import { runCli } from '../server/support/run-cli.ts';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { labelSteps } from '../../recordings/step-labels.ts';
import { dataDirLayout, ensureDataDir, journalFile } from '../../recordings/data-dir.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tko-lerobot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

/** Reads a Parquet file with hyparquet: a reader independent of the writer (parquet-wasm). */
async function rows(file: string): Promise<Record<string, unknown>[]> {
  const b = readFileSync(file);
  return parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
}

async function record(): Promise<string[]> {
  ensureDataDir(dir);
  const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
  const ids = ['pol', 'demo'];
  try {
    for (const [e, id] of ids.entries()) {
      const kind = id === 'demo' ? 'demo' : 'policy';
      const meta = testMeta(id, { kind, startedAt: 1_790_000_000_000 + e * 10_000 });
      const w = new JournalWriter(new FileSink(path.join(dir, journalFile(id))), meta);
      const rand = rng(40 + e);
      const n = kind === 'demo' ? 12 : 30;
      for (let i = 0; i < n; i++) w.writeStep(makeStep(id, i, rand, { recovery: undefined, ...(kind === 'demo' ? { source: 'operator', mode: 'INTERVENING' } : {}) }), meta.startedAt + i * 50);
      await w.finish({ endedAt: meta.startedAt + 2000, outcome: 'success', steps: n, dropped: 0 });
      await catalog.insert({ id, robotId: meta.robotId, task: meta.task, seed: meta.seed, policyVersion: meta.policyVersion, kind, startedAt: meta.startedAt, file: journalFile(id) });
      await catalog.finish(id, { endedAt: meta.startedAt + 2000, outcome: 'success', steps: n, interventionCount: 0, interventionSteps: 0, interventionOnsets: [], operators: [], droppedSteps: 0, bytes: 1, status: 'complete' });
    }
  } finally {
    await catalog.close();
  }
  return ids;
}

let recorded: Promise<string[]> | null = null;
/** Records the two episodes once per file, whichever test runs first (each test may run alone). */
const recordOnce = (): Promise<string[]> => (recorded ??= record());

describe('takeover export --format lerobot', () => {
  it('writes the LeRobot v3 layout that an independent Parquet reader reads back as the journals say', async () => {
    const ids = await recordOnce();
    const out = path.join(dir, 'ds');
    const r = await run(['export', '--format', 'lerobot', '--episodes', 'task=place', '--out', out, '--data-dir', dir, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);

    // what the journals say: the steps that train and have an executed action
    const expected = [];
    for (const id of ids) {
      const j = await readJournalFile(path.join(dir, journalFile(id)));
      const labels = labelSteps(j.steps, j.events, j.meta.kind);
      expected.push(j.steps.filter((s, i) => labels[i].train && s.executed));
    }
    const total = expected.reduce((a, e) => a + e.length, 0);
    expect(JSON.parse(r.out)).toMatchObject({ format: 'lerobot', episodes: 2, frames: total });

    const info = JSON.parse(readFileSync(path.join(out, 'meta', 'info.json'), 'utf8'));
    expect(info).toMatchObject({ codebase_version: 'v3.0', fps: 20, total_episodes: 2, total_frames: total, total_tasks: 1, data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet' });
    expect(info.features['observation.state']).toMatchObject({ dtype: 'float32', shape: [15] });
    expect(info.features.action).toMatchObject({ dtype: 'float32', shape: [7], names: ['dx', 'dy', 'dz', 'droll', 'dpitch', 'dyaw', 'gripper'] });
    expect(info.features['complementary_info.is_intervention']).toMatchObject({ dtype: 'float32', shape: [1] });

    const data = await rows(path.join(out, 'data', 'chunk-000', 'file-000.parquet'));
    expect(data).toHaveLength(total);
    const meta = parquetMetadata(readFileSync(path.join(out, 'data', 'chunk-000', 'file-000.parquet')).buffer as ArrayBuffer);
    const columns = meta.schema.filter((s) => s.num_children === undefined || s.num_children === 0).map((s) => s.name);
    expect(columns).toEqual(expect.arrayContaining(['timestamp', 'frame_index', 'episode_index', 'index', 'task_index']));
    for (const k of Object.keys(info.features)) expect(Object.keys(data[0])).toContain(k);

    const episodes = await rows(path.join(out, 'meta', 'episodes', 'chunk-000', 'file-000.parquet'));
    expect(episodes.map((e) => [Number(e.episode_index), Number(e.dataset_from_index), Number(e.dataset_to_index), Number(e.length)])).toEqual([
      [0, 0, expected[0].length, expected[0].length],
      [1, expected[0].length, total, expected[1].length],
    ]);
    expect(await rows(path.join(out, 'meta', 'tasks.parquet'))).toEqual([{ task: 'place', task_index: 0n }]);
    // pandas (which LeRobot reads tasks.parquet with) makes `task` the index
    const tb = readFileSync(path.join(out, 'meta', 'tasks.parquet'));
    const arrowSchema = parquetMetadata(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.byteLength)).key_value_metadata?.find((k) => k.key === 'ARROW:schema');
    const schemaText = Buffer.from(arrowSchema!.value!, 'base64').toString('latin1');
    expect(schemaText).toContain('pandas');
    expect(schemaText).toContain('"index_columns":["task"]');

    let i = 0;
    for (const [e, steps] of expected.entries()) {
      steps.forEach((s, k) => {
        const row = data[i];
        expect(Number(row.index)).toBe(i);
        expect(Number(row.episode_index)).toBe(e);
        expect(Number(row.frame_index)).toBe(k);
        expect(row.timestamp).toBeCloseTo(k / 20, 5);
        expect(row.action as number[]).toEqual(s.executed!.map((v) => Math.fround(v)));
        expect((row['observation.state'] as number[]).slice(0, 7)).toEqual(s.obs.q.map((v) => Math.fround(v)));
        // the intervention flag: an operator step of a policy episode
        expect(row['complementary_info.is_intervention']).toBe(e === 0 && s.source === 'operator' ? 1 : 0);
        expect(row['next.done']).toBe(k === steps.length - 1);
        i++;
      });
    }
    expect(data.filter((d) => d['complementary_info.is_intervention'] === 1).length).toBeGreaterThan(3);
    const stats = JSON.parse(readFileSync(path.join(out, 'meta', 'stats.json'), 'utf8'));
    expect(stats.action.mean).toHaveLength(7);

    // an export never writes into a dataset that is there
    const again = await run(['export', '--format', 'lerobot', '--episodes', 'all', '--out', out, '--data-dir', dir]);
    expect([again.code, again.err]).toEqual([1, expect.stringMatching(/not empty/)]);
  });

  it('mcap-foxglove writes the selected journals with the Foxglove topics, links drawn for the simulated robot', async () => {
    await recordOnce();
    const out = path.join(dir, 'mcap');
    const r = await run(['export', '--format', 'mcap-foxglove', '--episodes', 'kind=demo', '--out', out, '--data-dir', dir, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ format: 'mcap-foxglove', files: 1 });
    // robot 'arm-1' is not a simulated robot of the (default) configuration: EE and objects, no links
    expect(JSON.parse(r.out).withLinks).toBe(0);
    expect((await readJournalFile(path.join(out, 'demo.mcap'))).steps).toHaveLength(12);
    const fr = await FileReadable.open(path.join(out, 'demo.mcap'));
    const reader = await McapIndexedReader.Initialize({ readable: fr, decompressHandlers });
    expect([...reader.channelsById.values()].map((c) => c.topic)).toEqual(expect.arrayContaining(['/step', '/tf', '/scene', '/log', '/joints']));
    await fr.close();
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { recordExpertDemos } from '../../server/cli/train-command.ts';
import { Recorder } from '../../recordings/recorder.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { FileReadable } from '../../recordings/file-readable.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { dataDirLayout, journalFile } from '../../recordings/data-dir.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tko-simtime-'));
  dirs.push(d);
  return d;
};

async function messages(file: string) {
  const fr = await FileReadable.open(file);
  try {
    const reader = await McapIndexedReader.Initialize({ readable: fr, decompressHandlers });
    const topics = new Map([...reader.channelsById.values()].map((c) => [c.id, c.topic]));
    const out: { topic: string; logTime: bigint; publishTime: bigint; data: unknown }[] = [];
    for await (const m of reader.readMessages()) out.push({ topic: topics.get(m.channelId)!, logTime: m.logTime, publishTime: m.publishTime, data: JSON.parse(new TextDecoder().decode(m.data)) });
    return out.sort((a, b) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0));
  } finally {
    await fr.close();
  }
}

describe('log times of simulated episodes', () => {
  it('a scripted-expert demo carries simulated time: startedAt + t, one time per step, strictly increasing', async () => {
    const dir = tmp();
    await recordExpertDemos(dir, 'place', 1, 3, 20);
    const [name] = readdirSync(path.join(dir, 'episodes'));
    const file = path.join(dir, 'episodes', name);
    const j = await readJournalFile(file);
    const msgs = await messages(file);
    const steps = msgs.filter((m) => m.topic === '/step');
    expect(steps.length).toBe(j.steps.length);
    expect(steps.length).toBeGreaterThan(20);
    const start = BigInt(j.meta.startedAt) * 1_000_000n;
    for (const m of steps) {
      const t = (m.data as { t: number }).t;
      expect(Number(m.logTime - start) / 1e9).toBeCloseTo(t, 6);
    }
    // the log spans the simulated duration: (steps - 1) ticks at 20 Hz
    expect(Number(steps.at(-1)!.logTime - steps[0].logTime) / 1e9).toBeCloseTo((steps.length - 1) / 20, 6);
    // a step's three messages share one log time; log time strictly increases from step to step
    const byStep = new Map<number, Set<bigint>>();
    for (const m of msgs) if (m.topic !== '/episode/events') (byStep.get((m.data as { step: number }).step) ?? byStep.set((m.data as { step: number }).step, new Set()).get((m.data as { step: number }).step)!).add(m.logTime);
    for (const times of byStep.values()) expect(times.size).toBe(1);
    for (let i = 1; i < steps.length; i++) expect(steps[i].logTime > steps[i - 1].logTime).toBe(true);
    expect(j.events.filter((e) => e.type === 'outcome')).toHaveLength(1);
  }, 120_000);

  it('an episode whose loop sent its own outcome event has exactly that one', async () => {
    const dir = tmp();
    const catalog = new SqliteCatalog(dataDirLayout(dir).catalog);
    const rec = new Recorder({ dataDir: dir, catalog, logClock: 'loop' });
    const rand = rng(5);
    rec.beginEpisode(testMeta('ep-o'));
    for (let i = 0; i < 10; i++) rec.appendStep(makeStep('ep-o', i, rand));
    rec.appendEvent('ep-o', { type: 'outcome', t: 0.19, step: 9, outcome: 'success' });
    rec.endEpisode('ep-o', 'success');
    await rec.close();
    await catalog.close();
    const j = await readJournalFile(path.join(dir, journalFile('ep-o')));
    expect(j.events.filter((e) => e.type === 'outcome')).toEqual([{ type: 'outcome', t: 0.19, step: 9, outcome: 'success' }]);
    const times = (await messages(path.join(dir, journalFile('ep-o')))).map((m) => m.logTime);
    for (let i = 1; i < times.length; i++) expect(times[i] >= times[i - 1]).toBe(true);
  });
});

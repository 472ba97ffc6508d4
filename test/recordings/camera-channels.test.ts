import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { decode as decodeJpeg } from 'jpeg-js';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { MemorySink } from '../../recordings/memory-sink.ts';
import { BytesReadable, FileReadable } from '../../recordings/file-readable.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { readJournal, readJournalFile, openIndexed } from '../../recordings/episode-reader.ts';
import { imageAt, journalCameras } from '../../recordings/episode-images.ts';
import { verifyJournal } from '../../recordings/journal-verify.ts';
import { scanJournal } from '../../recordings/journal-scan.ts';
import { recoverDataDir } from '../../recordings/recovery.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { ensureDataDir, journalFile } from '../../recordings/data-dir.ts';
import type { RecordedImage } from '../../recordings/image-journal.ts';
import { SyntheticCamera } from '../server/robots/ros/synthetic-camera.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const cam = new SyntheticCamera({ width: 64, height: 48, period: 6 });
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** 30 steps at 20 Hz with a 10 Hz camera frame every other step; `finish` or abandon (a crash). */
async function writeWithImages(w: JournalWriter, id: string, startedAt: number, finish: boolean): Promise<RecordedImage[]> {
  const rand = rng(3);
  const images: RecordedImage[] = [];
  for (let i = 0; i < 30; i++) {
    const step = makeStep(id, i, rand, { t: i * 0.05 });
    w.writeStep(step, startedAt + i * 50);
    if (i % 2 === 0) {
      const img: RecordedImage = { camera: 'wrist', format: 'jpeg', stamp: 100 + i * 0.05, frameId: 'wrist_optical', receivedAt: startedAt + i * 50 + 1, data: cam.jpeg(i / 2) };
      w.writeImage(img);
      images.push(img);
    }
    if (i % 10 === 9) await w.flush();
  }
  if (finish) await w.finish({ endedAt: startedAt + 2000, outcome: 'success', steps: 30, dropped: 0 });
  else await w.abandon();
  return images;
}

describe('camera channels of a journal', () => {
  it('writes /camera/<name> as foxglove.CompressedImage (JSON, base64 bytes) that @mcap/core reads and jpeg-js decodes', async () => {
    const sink = new MemorySink();
    const meta = testMeta('ep-img');
    const written = await writeWithImages(new JournalWriter(sink, meta), 'ep-img', meta.startedAt, true);
    const r = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    const ch = [...r.channelsById.values()].find((c) => c.topic === '/camera/wrist')!;
    expect(ch.messageEncoding).toBe('json');
    const schema = r.schemasById.get(ch.schemaId)!;
    expect(schema.name).toBe('foxglove.CompressedImage');
    expect(JSON.parse(new TextDecoder().decode(schema.data)).properties.data).toMatchObject({ type: 'string', contentEncoding: 'base64' });
    const msgs = [];
    for await (const m of r.readMessages({ topics: ['/camera/wrist'] })) msgs.push({ m, body: JSON.parse(new TextDecoder().decode(m.data)) });
    expect(msgs).toHaveLength(written.length);
    msgs.forEach(({ m, body }, k) => {
      expect(m.publishTime).toBe(BigInt(written[k].receivedAt) * 1_000_000n);
      expect(body.format).toBe('jpeg');
      expect(body.frame_id).toBe('wrist_optical');
      expect(body.timestamp.sec).toBe(Math.floor(written[k].stamp));
      expect(Buffer.from(body.data, 'base64').equals(Buffer.from(written[k].data))).toBe(true);
      expect(decodeJpeg(Buffer.from(body.data, 'base64'), { useTArray: true })).toMatchObject({ width: 64, height: 48 });
    });
    // steps and events read back as before: images are not steps or events
    const j = await readJournal(new BytesReadable(sink.bytes()));
    expect(j.steps).toHaveLength(30);
    expect(j.events).toEqual([]);
    expect((await verifyJournal(sink.bytes(), 'ep-img.mcap')).status).toBe('ok');
  });

  it('finds the frame newest at an episode time, else the first after it', async () => {
    const sink = new MemorySink();
    const meta = testMeta('ep-at');
    const written = await writeWithImages(new JournalWriter(sink, meta), 'ep-at', meta.startedAt, true);
    const reader = await openIndexed(new BytesReadable(sink.bytes()));
    expect(journalCameras(reader)).toEqual([{ name: 'wrist', frames: 15 }]);
    // frame k was received at 100 k + 1 ms: at t = 0.5 s (step 10) the newest is frame 4 (401 ms)
    const at = await imageAt(reader, meta.startedAt, 'wrist', 0.5);
    expect(Buffer.from(at!.data).equals(Buffer.from(written[4].data))).toBe(true);
    expect(at!.t).toBeCloseTo(0.401, 6);
    const before = await imageAt(reader, meta.startedAt - 10_000, 'wrist', 0);
    expect(Buffer.from(before!.data).equals(Buffer.from(written[0].data))).toBe(true);
    expect(await imageAt(reader, meta.startedAt, 'scene', 0.5)).toBeNull();
  });

  it('scans and recovers a crashed journal with camera frames: the frames are kept, not damage, not events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tko-cam-'));
    dirs.push(dir);
    ensureDataDir(dir);
    const meta = testMeta('crashed');
    const w = new JournalWriter(new FileSink(join(dir, journalFile('crashed'))), meta);
    await w.flush();
    await writeWithImages(w, 'crashed', meta.startedAt, false);
    const scan = scanJournal(new Uint8Array(readFileSync(join(dir, journalFile('crashed')))), 'crashed.mcap');
    expect(scan.gaps).toEqual([]);
    expect(scan.steps).toBe(30);
    expect(scan.messages.filter((m) => m.topic === '/camera/wrist')).toHaveLength(15);
    const catalog = new SqliteCatalog(':memory:');
    const report = await recoverDataDir(dir, catalog);
    expect(report.recovered).toMatchObject([{ episodeId: 'crashed', steps: 30, gaps: [] }]);
    const j = await readJournalFile(join(dir, journalFile('crashed')));
    expect(j.steps).toHaveLength(30);
    expect(j.events.filter((e) => e.type !== 'outcome')).toEqual([]);
    const readable = await FileReadable.open(join(dir, journalFile('crashed')));
    expect(journalCameras(await openIndexed(readable))).toEqual([{ name: 'wrist', frames: 15 }]);
    await readable.close();
    expect((await catalog.get('crashed'))!.status).toBe('recovered');
  });
});

import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { MemorySink } from '../../recordings/memory-sink.ts';
import { BytesReadable } from '../../recordings/file-readable.ts';
import { readJournal } from '../../recordings/episode-reader.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { TOPICS, type EpisodeEvent } from '../../recordings/journal-schemas.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

function streamStepCount(bytes: Uint8Array): number {
  const r = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  r.append(bytes);
  const topics = new Map<number, string>();
  let n = 0;
  for (let rec; (rec = r.nextRecord()); ) {
    if (rec.type === 'Channel') topics.set(rec.id, rec.topic);
    if (rec.type === 'Message' && topics.get(rec.channelId) === TOPICS.step) n++;
  }
  return n;
}

describe('JournalWriter', () => {
  it('round-trips N steps and events field for field', async () => {
    const sink = new MemorySink();
    const meta = testMeta('ep-rt');
    const w = new JournalWriter(sink, meta);
    const rand = rng(1);
    const steps = Array.from({ length: 537 }, (_, i) => makeStep('ep-rt', i, rand));
    const events: EpisodeEvent[] = [
      { type: 'reset', t: 0, step: -1, seed: 7 },
      { type: 'mode', t: 0.14, step: 6, from: 'AUTONOMOUS', to: 'INTERVENING' },
      { type: 'lease', t: 0.14, step: 6, operatorId: 'ana' },
      { type: 'command', t: 0.2, step: 9, operatorId: 'ana', command: { op: 'rewind', toStep: 3 } },
      { type: 'rewind', t: 0.2, step: 9, fromStep: 9, toStep: 3 },
      { type: 'policy_swap', t: 5, step: 250, policyVersion: 'v4' },
      { type: 'outcome', t: 10.7, step: 536, outcome: 'success' },
    ];
    let e = 0;
    for (const s of steps) {
      w.writeStep(s, meta.startedAt + s.t * 1000);
      while (e < events.length && events[e].step <= s.step) w.writeEvent(events[e], meta.startedAt + events[e++].t * 1000);
      if (s.step % 50 === 49) await w.flush();
    }
    await w.finish({ endedAt: meta.startedAt + 11_000, outcome: 'success', steps: steps.length, dropped: 0 });

    const back = await readJournal(new BytesReadable(sink.bytes()));
    expect(back.meta).toEqual(meta);
    expect(back.end).toEqual({ endedAt: meta.startedAt + 11_000, outcome: 'success', steps: 537, dropped: 0 });
    expect(back.steps).toHaveLength(steps.length);
    for (let i = 0; i < steps.length; i++) expect(back.steps[i]).toStrictEqual(steps[i]);
    expect(back.events).toStrictEqual(events);
  });

  it('writes files that McapIndexedReader opens with a summary, schemas, lz4 chunks and statistics', async () => {
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-ix'));
    const rand = rng(2);
    for (let i = 0; i < 40; i++) {
      w.writeStep(makeStep('ep-ix', i, rand), 1_790_000_000_000 + i);
      if (i % 10 === 9) await w.flush();
    }
    await w.finish({ endedAt: 1_790_000_001_000, outcome: 'failure', steps: 40, dropped: 0 });
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    expect(reader.header.profile).toBe('takeover');
    expect(reader.footer.summaryStart).toBeGreaterThan(0n);
    expect(reader.footer.summaryCrc).not.toBe(0); // checked by Initialize
    expect(reader.dataSectionCrc).toBe(crc32(sink.bytes().subarray(0, Number(reader.dataEndOffset))));
    expect([...reader.channelsById.values()].map((c) => c.topic).sort()).toEqual(Object.values(TOPICS).sort());
    for (const c of reader.channelsById.values()) {
      expect(c.messageEncoding).toBe('json');
      const schema = reader.schemasById.get(c.schemaId)!;
      expect(schema.encoding).toBe('jsonschema');
      const parsed = JSON.parse(new TextDecoder().decode(schema.data));
      expect(parsed.type).toBe('object');
    }
    const stepSchema = JSON.parse(new TextDecoder().decode(reader.schemasById.get([...reader.channelsById.values()].find((c) => c.topic === '/step')!.schemaId)!.data));
    expect(Object.keys(stepSchema.properties)).toContain('obs');
    expect(Object.keys(stepSchema.properties)).not.toContain('executed');
    expect(reader.chunkIndexes).toHaveLength(4);
    expect(reader.chunkIndexes.every((c) => c.compression === 'lz4' && c.compressedSize < c.uncompressedSize)).toBe(true);
    expect(reader.statistics?.messageCount).toBe(120n);
    expect(reader.statistics?.chunkCount).toBe(4);
    expect(reader.metadataIndexes.map((m) => m.name)).toEqual(['takeover.episode', 'takeover.episode_end']);
    let n = 0;
    for await (const m of reader.readMessages({ topics: ['/step'], validateCrcs: true })) n += m.data.byteLength > 0 ? 1 : 0;
    expect(n).toBe(40);
    // the whole file also streams to the end with CRCs checked
    const sr = new McapStreamReader({ decompressHandlers, validateCrcs: true });
    sr.append(sink.bytes());
    while (sr.nextRecord()) {}
    expect(sr.done()).toBe(true);
  });

  it('leaves a readable prefix after every flush: each flushed step survives a cut there', async () => {
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-cut'));
    const rand = rng(3);
    let written = 0;
    for (let flushes = 0; flushes < 6; flushes++) {
      const k = 1 + Math.floor(rand() * 20);
      for (let i = 0; i < k; i++) w.writeStep(makeStep('ep-cut', written++, rand), 1);
      await w.flush();
      expect(streamStepCount(sink.bytes())).toBe(written);
      // a cut anywhere inside the next chunk record still yields exactly the flushed steps
      w.writeStep(makeStep('ep-cut', written++, rand), 1);
      const before = sink.bytes().byteLength;
      await w.flush();
      const all = sink.bytes();
      expect(all[before]).toBe(0x06); // the chunk opcode starts the flush
      const chunkLength = 9 + Number(new DataView(all.buffer, all.byteOffset + before + 1, 8).getBigUint64(0, true));
      const cut = before + 1 + Math.floor(rand() * (chunkLength - 1));
      expect(streamStepCount(all.subarray(0, cut))).toBe(written - 1);
    }
  });
});

describe('simulator state in the journal', () => {
  it('round-trips a step’s physicsState bit for bit (NaN, -0, subnormals included) as base64 float64', async () => {
    const state = [0.123456789012345, -0, Number.NaN, 5e-324, -1.7976931348623157e308, 1 / 3, Infinity, ...Array.from({ length: 168 }, (_, i) => Math.sin(i) * 1e-7)];
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-state'));
    const s = makeStep('ep-state', 0, rng(21), { physicsState: state });
    w.writeStep(s, 1);
    w.writeStep(makeStep('ep-state', 1, rng(22)), 2);
    await w.finish({ endedAt: 3, outcome: 'success', steps: 2, dropped: 0 });
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    const raw: Record<string, unknown>[] = [];
    for await (const m of reader.readMessages({ topics: [TOPICS.step] })) raw.push(JSON.parse(new TextDecoder().decode(m.data)));
    expect(typeof raw[0].physicsState).toBe('string');
    expect(Buffer.from(raw[0].physicsState as string, 'base64').length).toBe(8 * state.length);
    expect('physicsState' in raw[1]).toBe(false);
    const back = await readJournal(new BytesReadable(sink.bytes()));
    expect(Object.is(back.steps[0].physicsState![1], -0)).toBe(true);
    expect(back.steps[0].physicsState).toEqual(state);
    expect(back.steps[0]).toStrictEqual(s);
    expect(back.steps[1].physicsState).toBeUndefined();
  });
});

describe('journal channel schemas', () => {
  it('describe every message written on their channel (checked with Ajv, as a JSON Schema reader would)', async () => {
    // Ajv comes with Fastify; imported here only to check the schemas as an outside reader would.
    const { Ajv } = await import('ajv');
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-schema'));
    const rand = rng(4);
    for (let i = 0; i < 60; i++) w.writeStep(makeStep('ep-schema', i, rand), 1_790_000_000_000 + i);
    w.writeEvent({ type: 'mode', t: 0.1, step: 5, from: 'AUTONOMOUS', to: 'INTERVENING' }, 1);
    w.writeEvent({ type: 'lease', t: 0.1, step: 5, operatorId: 'ana' }, 1);
    w.writeEvent({ type: 'command', t: 0.1, step: 5, operatorId: 'ana', command: { op: 'take_over' } }, 1);
    w.writeEvent({ type: 'reset', t: 0, step: -1 }, 1);
    await w.finish({ endedAt: 1, outcome: 'success', steps: 60, dropped: 0 });
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    const validators = new Map<number, (v: unknown) => boolean>();
    for (const c of reader.channelsById.values()) {
      const ajv = new Ajv({ strict: false });
      validators.set(c.id, ajv.compile(JSON.parse(new TextDecoder().decode(reader.schemasById.get(c.schemaId)!.data))));
    }
    const seen = new Set<number>();
    for await (const m of reader.readMessages()) {
      const valid = validators.get(m.channelId)!(JSON.parse(new TextDecoder().decode(m.data)));
      expect(valid, `message on ${reader.channelsById.get(m.channelId)!.topic}`).toBe(true);
      seen.add(m.channelId);
    }
    expect(seen.size).toBe(reader.channelsById.size); // every channel carried something
    // and the schemas do constrain: an out-of-range action is not a valid /action/executed message
    const executed = [...reader.channelsById.values()].find((c) => c.topic === '/action/executed')!;
    expect(validators.get(executed.id)!({ episodeId: 'x', step: 0, t: 0, action: [2, 0, 0, 0, 0, 0, 0] })).toBe(false);
  });
});

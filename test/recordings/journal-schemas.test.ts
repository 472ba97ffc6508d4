import { describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { MemorySink } from '../../recordings/memory-sink.ts';
import { BytesReadable } from '../../recordings/file-readable.ts';
import { readJournal } from '../../recordings/episode-reader.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { StepSchema } from '../../core/step.ts';
import { StepStateSchema, TOPICS, TOPIC_SCHEMAS } from '../../recordings/journal-schemas.ts';
import { parseLikeLichtblick } from './lichtblick-json-schema.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('journal schemas under Lichtblick’s JSON-schema parser rules', () => {
  it('the rule checker rejects what the viewer rejects (anyOf, type lists, null)', () => {
    const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties });
    expect(() => parseLikeLichtblick(obj({ a: { anyOf: [{ type: 'string' }, { type: 'null' }] } }), 'x')).toThrow(/Unsupported object field type for a/);
    expect(() => parseLikeLichtblick(obj({ a: { type: ['string', 'null'] } }), 'x')).toThrow(/Unsupported/);
    expect(() => parseLikeLichtblick(obj({ a: { type: 'array', items: { type: 'array', items: { type: 'number' } } } }), 'x')).toThrow(/array item type/);
    expect(() => parseLikeLichtblick({ type: 'array' }, 'x')).toThrow(/Expected "type": "object"/);
    // the one exception, used by the well-known foxglove.* schemas: an integer enum as oneOf of numeric consts
    expect(parseLikeLichtblick(obj({ level: { oneOf: [{ title: 'A', const: 0 }, { title: 'B', const: 1 }] } }), 'x').get('x')).toEqual([{ name: 'level', type: 'uint32' }]);
    expect(() => parseLikeLichtblick(obj({ a: { oneOf: [{ const: 'on' }, { const: 1 }] } }), 'x')).toThrow(/numeric constants/);
    expect(parseLikeLichtblick(obj({ a: { type: 'string', enum: ['x'] }, b: { type: 'array', items: obj({ c: { type: 'integer' } }) } }), 'x').get('x.b')).toEqual([{ name: 'c', type: 'float64' }]);
  });

  it('every schema a journal carries parses, from the file itself', async () => {
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-lb'));
    const rand = rng(11);
    for (let i = 0; i < 5; i++) w.writeStep(makeStep('ep-lb', i, rand), 1_790_000_000_000 + i);
    await w.finish({ endedAt: 1_790_000_001_000, outcome: 'success', steps: 5, dropped: 0 });
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    expect(reader.schemasById.size).toBeGreaterThanOrEqual(3);
    for (const s of reader.schemasById.values()) {
      expect(s.encoding).toBe('jsonschema');
      const types = parseLikeLichtblick(JSON.parse(text(s.data)), s.name);
      expect(types.get(s.name)!.length).toBeGreaterThan(2);
    }
    for (const [topic, schema] of Object.entries(TOPIC_SCHEMAS)) expect(() => parseLikeLichtblick(JSON.parse(JSON.stringify(schema)), topic)).not.toThrow();
  });

  it('the /step schema names every field of a step except its actions', () => {
    const step = Object.keys(StepSchema.properties).filter((k) => k !== 'proposed' && k !== 'executed').sort();
    expect(Object.keys(StepStateSchema.properties).sort()).toEqual(step);
  });

  it('null values are left out of messages and come back as null', async () => {
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-nil', { policyVersion: null }));
    const s = makeStep('ep-nil', 0, rng(12), { operatorId: null, policyVersion: null, proposed: null, executed: null });
    w.writeStep(s, 1);
    w.writeEvent({ type: 'policy_swap', t: 0, step: 0, policyVersion: null }, 2);
    await w.finish({ endedAt: 3, outcome: 'success', steps: 1, dropped: 0 });
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    for await (const m of reader.readMessages()) expect(text(m.data)).not.toContain('null');
    const back = await readJournal(new BytesReadable(sink.bytes()));
    expect(back.steps[0]).toStrictEqual(s);
    expect(back.events).toEqual([{ type: 'policy_swap', t: 0, step: 0 }]);
    const meta = [...reader.metadataIndexes][0];
    expect(meta.name).toBe('takeover.episode');
  });

  it('journals of version 1 (explicit nulls, no journalVersion) still read', async () => {
    const sink = new MemorySink();
    const w = new JournalWriter(sink, testMeta('ep-v1'));
    const s = makeStep('ep-v1', 0, rng(13), { operatorId: null, proposed: null });
    const { proposed, executed, ...state } = s;
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    w.writeRaw(TOPICS.step, 1n, 1n, enc(state));
    w.writeRaw(TOPICS.proposed, 1n, 1n, enc({ episodeId: 'ep-v1', step: 0, t: s.t, action: proposed }));
    w.writeRaw(TOPICS.executed, 1n, 1n, enc({ episodeId: 'ep-v1', step: 0, t: s.t, action: executed }));
    await w.finish({ endedAt: 3, outcome: 'success', steps: 1, dropped: 0 });
    const back = await readJournal(new BytesReadable(sink.bytes()));
    expect(back.steps[0]).toStrictEqual(s);
  });
});

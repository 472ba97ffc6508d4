import { describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { MemorySink } from '../../recordings/memory-sink.ts';
import { BytesReadable } from '../../recordings/file-readable.ts';
import { readJournal } from '../../recordings/episode-reader.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { TOPICS } from '../../recordings/journal-schemas.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

describe('help scores in a journal', () => {
  it('a step keeps its novelty and ensemble scores; steps without them (older journals) read as before', async () => {
    const { Ajv } = await import('ajv');
    const sink = new MemorySink();
    const meta = testMeta('ep-help');
    const w = new JournalWriter(sink, meta);
    const rand = rng(9);
    const steps = [
      makeStep('ep-help', 0, rand),
      makeStep('ep-help', 1, rand, { helpScore: 0.31 }),
      makeStep('ep-help', 2, rand, { helpScore: 0.33, helpEnsembleScore: 0.41, helpOpen: true }),
    ];
    for (const s of steps) w.writeStep(s, meta.startedAt + s.t * 1000);
    await w.finish({ endedAt: meta.startedAt + 100, outcome: 'success', steps: steps.length, dropped: 0 });
    const back = await readJournal(new BytesReadable(sink.bytes()));
    for (let i = 0; i < steps.length; i++) expect(back.steps[i]).toStrictEqual(steps[i]);
    expect(back.steps[0].helpEnsembleScore).toBeUndefined();

    // the /step schema the file carries describes the new field, and still rejects a wrong type
    const reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(sink.bytes()), decompressHandlers });
    const channel = [...reader.channelsById.values()].find((c) => c.topic === TOPICS.step)!;
    const schema = JSON.parse(new TextDecoder().decode(reader.schemasById.get(channel.schemaId)!.data));
    expect(schema.properties.helpEnsembleScore).toMatchObject({ type: 'number' });
    const valid = new Ajv({ strict: false }).compile(schema);
    for await (const m of reader.readMessages({ topics: [TOPICS.step] })) expect(valid(JSON.parse(new TextDecoder().decode(m.data)))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import { MemorySink } from '../../recordings/memory-sink.ts';
import { scanJournal } from '../../recordings/journal-scan.ts';
import { makeStep, rng, testMeta } from './fixtures/step-factory.ts';

/** A journal of `chunks` flushes of a few steps each; returns its bytes and the step count after each flush. */
async function journal(chunks: number, finish: boolean) {
  const sink = new MemorySink();
  const w = new JournalWriter(sink, testMeta('scan'));
  await w.flush();
  const ends: { size: number; steps: number }[] = [{ size: sink.bytes().byteLength, steps: 0 }];
  const rand = rng(17);
  let n = 0;
  for (let c = 0; c < chunks; c++) {
    for (let i = 0; i < 1 + (c % 4); i++) w.writeStep(makeStep('scan', n++, rand), 1);
    w.writeEvent({ type: 'note', t: n, step: n - 1, text: `chunk ${c}` }, 1);
    await w.flush();
    ends.push({ size: sink.bytes().byteLength, steps: n });
  }
  if (finish) await w.finish({ endedAt: 2, outcome: 'success', steps: n, dropped: 0 });
  return { bytes: sink.bytes(), ends };
}

describe('scanJournal', () => {
  it('reads a finished journal to the end', async () => {
    const { bytes, ends } = await journal(6, true);
    const scan = scanJournal(bytes, 'test');
    expect(scan).toMatchObject({ state: 'complete', steps: ends.at(-1)!.steps, discardedBytes: 0, problem: null });
    expect(scan.end).toMatchObject({ outcome: 'success' });
  });

  it('keeps exactly the steps of the chunks completed before any cut (property)', async () => {
    const { bytes, ends } = await journal(8, true);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.byteLength }), async (cut) => {
        const scan = scanJournal(bytes.subarray(0, cut), 'test');
        const whole = [...ends].reverse().find((e) => e.size <= cut);
        if (!whole) {
          expect(scan.steps).toBe(0); // cut inside the first write (header, meta, schemas, channels)
          expect(scan.state).not.toBe('complete');
          return;
        }
        expect(scan.meta?.episodeId).toBe('scan');
        // a chunk counts once its chunk record is whole (its message indexes may be cut)
        expect(scan.steps).toBeGreaterThanOrEqual(whole.steps);
        const next = ends[ends.indexOf(whole) + 1];
        if (next) expect(scan.steps).toBeLessThanOrEqual(next.steps);
        expect(scan.state).toBe(cut === bytes.byteLength ? 'complete' : 'truncated');
      }),
      { numRuns: 300 },
    );
  });

  it('skips a damaged chunk (CRC), keeps what came before and after, and lists the gap', async () => {
    const { bytes, ends } = await journal(5, true);
    const damaged = bytes.slice();
    const at = Math.floor((ends[2].size + ends[3].size) / 2); // inside the third chunk
    damaged[at] ^= 0xff;
    const scan = scanJournal(damaged, 'test');
    expect(scan.state).toBe('complete');
    expect(scan.steps).toBe(ends.at(-1)!.steps - (ends[3].steps - ends[2].steps));
    expect(scan.gaps).toHaveLength(1);
    expect(scan.gaps[0].offset).toBe(ends[2].size); // the chunk record; its message indexes after it read whole
    expect(scan.gaps[0].bytes).toBeGreaterThan(at - ends[2].size);
    expect(scan.gaps[0].bytes).toBeLessThan(ends[3].size - ends[2].size);
    expect(scan.problem).toBeNull();
  });

  it('calls anything without the MCAP magic garbage', () => {
    expect(scanJournal(new TextEncoder().encode('{"not": "mcap"}'), 'test')).toMatchObject({ state: 'garbage', meta: null, steps: 0 });
    expect(scanJournal(new Uint8Array(0), 'test')).toMatchObject({ state: 'truncated', meta: null });
  });
});

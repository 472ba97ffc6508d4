import { McapStreamReader, MCAP_MAGIC } from '@mcap/core';
import { decompressHandlers } from './chunk-compression.ts';
import { JournalAssembler } from './journal-assembler.ts';
import { parseJsonField } from './episode-reader.ts';
import { META_END, META_EPISODE, TOPICS, type EpisodeEnd, type EpisodeMeta, type Topic } from './journal-schemas.ts';

export interface ScannedMessage {
  topic: Topic;
  logTime: bigint;
  publishTime: bigint;
  data: Uint8Array;
}

/** What a front-to-back read of a journal found, however damaged. */
export interface JournalScan {
  /** complete: footer reached; truncated: valid up to a cut or a damaged record; garbage: not an MCAP journal */
  state: 'complete' | 'truncated' | 'garbage';
  meta: EpisodeMeta | null;
  end: EpisodeEnd | null;
  /** messages of complete chunks, in recording order, steps with all three parts only */
  messages: ScannedMessage[];
  steps: number;
  /** bytes after the last record that read whole (the lost tail) */
  discardedBytes: number;
  /** why reading stopped early, if it did */
  problem: string | null;
}

const KNOWN_TOPICS = new Set<string>(Object.values(TOPICS));
const STEP_TOPICS = new Set<string>([TOPICS.step, TOPICS.proposed, TOPICS.executed]);

/**
 * Reads a journal front to back with McapStreamReader (CRC-checked), keeping everything up to
 * the last record that reads whole: the recovery path for files without a footer.
 */
export function scanJournal(bytes: Uint8Array, source: string): JournalScan {
  const out: JournalScan = { state: 'truncated', meta: null, end: null, messages: [], steps: 0, discardedBytes: bytes.byteLength, problem: null };
  if (!startsLikeMcap(bytes)) return { ...out, state: 'garbage', problem: 'not an MCAP file (bad magic)' };
  const reader = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  reader.append(bytes);
  const topics = new Map<number, string>();
  const raw: ScannedMessage[] = [];
  const steps = new Set<number>();
  try {
    for (let rec; (rec = reader.nextRecord()); ) {
      if (rec.type === 'Channel') topics.set(rec.id, rec.topic);
      else if (rec.type === 'Metadata' && rec.name === META_EPISODE) out.meta = parseJsonField(rec.metadata, source, rec.name) as EpisodeMeta;
      else if (rec.type === 'Metadata' && rec.name === META_END) out.end = parseJsonField(rec.metadata, source, rec.name) as EpisodeEnd;
      else if (rec.type === 'Message') {
        const topic = topics.get(rec.channelId);
        if (!topic || !KNOWN_TOPICS.has(topic)) throw new Error(`message on unknown channel ${rec.channelId}`);
        raw.push({ topic: topic as Topic, logTime: rec.logTime, publishTime: rec.publishTime, data: rec.data });
      }
      // Records only ever end whole at a chunk or loose-record boundary; what is still unread is the tail.
      out.discardedBytes = reader.bytesRemaining();
    }
    if (reader.done()) out.state = 'complete';
  } catch (err) {
    out.problem = (err as Error).message;
  }
  if (bytes.byteLength < 8) out.problem ??= 'file ends inside the magic';
  else if (out.state !== 'complete') out.problem ??= `file ends without a footer (${out.discardedBytes} bytes of an unfinished record)`;
  if (!out.meta) return out; // our writer puts the meta in its first write: no meta, no messages either

  // Keep whole steps only (three messages each); damaged files could have split one.
  const asm = new JournalAssembler(source);
  for (const m of raw) {
    const s = STEP_TOPICS.has(m.topic) ? asm.add(m.topic, m.data) : undefined;
    if (s) steps.add(s.step);
  }
  const decoder = new TextDecoder();
  for (const m of raw) {
    if (STEP_TOPICS.has(m.topic) && !steps.has((JSON.parse(decoder.decode(m.data)) as { step: number }).step)) continue;
    out.messages.push(m);
  }
  out.steps = steps.size;
  return out;
}

function startsLikeMcap(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.byteLength, MCAP_MAGIC.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== MCAP_MAGIC[i]) return false;
  return true;
}

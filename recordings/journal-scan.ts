import { McapRecordBuilder, McapStreamReader, MCAP_MAGIC, type McapTypes } from '@mcap/core';
import { decompressHandlers } from './chunk-compression.ts';
import { JournalAssembler } from './journal-assembler.ts';
import { parseJsonField } from './episode-reader.ts';
import { cameraOfTopic, type CameraTopic } from './image-journal.ts';
import { META_END, META_EPISODE, TOPICS, type EpisodeEnd, type EpisodeMeta, type JournalGap, type Topic } from './journal-schemas.ts';

export interface ScannedMessage {
  /** a journal topic, or a camera channel `/camera/<name>` */
  topic: Topic | CameraTopic;
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
  /** damaged stretches skipped on the way (their messages are lost; later records were kept) */
  gaps: JournalGap[];
}

const KNOWN_TOPICS = new Set<string>(Object.values(TOPICS));
const STEP_TOPICS = new Set<string>([TOPICS.step, TOPICS.proposed, TOPICS.executed]);

/**
 * Reads a journal front to back with McapStreamReader (CRC-checked), keeping every record that
 * reads whole: the recovery path for files without a footer. A damaged record (a chunk whose
 * CRC or compression fails, framing that makes no sense) is skipped: reading goes on at the
 * next record that reads whole, and the skipped stretch is listed in `gaps`.
 */
export function scanJournal(bytes: Uint8Array, source: string): JournalScan {
  const out: JournalScan = { state: 'truncated', meta: null, end: null, messages: [], steps: 0, gaps: [], discardedBytes: bytes.byteLength, problem: null };
  if (!startsLikeMcap(bytes)) return { ...out, state: 'garbage', problem: 'not an MCAP file (bad magic)' };
  const topics = new Map<number, string>();
  const known = { schemas: new Map<number, McapTypes.Schema>(), channels: new Map<number, McapTypes.Channel>() };
  const raw: ScannedMessage[] = [];
  const steps = new Set<number>();
  let from = 0;
  for (;;) {
    const run = readFrom(bytes, from, known);
    let lastGood = from;
    try {
      for (let rec; (rec = run.reader.nextRecord()); ) {
        if (rec.type === 'Schema') known.schemas.set(rec.id, rec);
        else if (rec.type === 'Channel') (topics.set(rec.id, rec.topic), known.channels.set(rec.id, rec));
        else if (rec.type === 'Metadata' && rec.name === META_EPISODE) out.meta = parseJsonField(rec.metadata, source, rec.name) as EpisodeMeta;
        else if (rec.type === 'Metadata' && rec.name === META_END) out.end = parseJsonField(rec.metadata, source, rec.name) as EpisodeEnd;
        else if (rec.type === 'Message') {
          const topic = topics.get(rec.channelId);
          if (!topic || !(KNOWN_TOPICS.has(topic) || cameraOfTopic(topic) !== null)) throw new Error(`message on unknown channel ${rec.channelId}`);
          raw.push({ topic: topic as Topic | CameraTopic, logTime: rec.logTime, publishTime: rec.publishTime, data: rec.data });
        }
        // Records only ever end whole at a chunk or loose-record boundary; what is still unread is the tail.
        out.discardedBytes = run.reader.bytesRemaining();
        lastGood = run.position();
      }
      if (run.reader.done()) {
        out.state = 'complete';
        break;
      }
      // Stalled: a cut tail, or a damaged length field that points past the end; only a record that reads whole after it tells.
      const next = resync(bytes, lastGood + 1, known);
      if (next === null) break;
      out.gaps.push({ offset: lastGood, bytes: next - lastGood, problem: 'record framing damaged (its length runs past the end of the file)' });
      from = next;
    } catch (err) {
      const problem = (err as Error).message;
      if (from === 0 && out.meta === null && lastGood < 64) {
        out.problem = problem; // the header itself is damaged
        break;
      }
      const next = skipRecord(bytes, lastGood, known) ?? resync(bytes, lastGood + 1, known);
      if (next === null) {
        out.problem = problem;
        out.discardedBytes = bytes.byteLength - lastGood;
        break;
      }
      out.gaps.push({ offset: lastGood, bytes: next - lastGood, problem });
      from = next;
    }
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

interface Known {
  schemas: Map<number, McapTypes.Schema>;
  channels: Map<number, McapTypes.Channel>;
}

/** A stream reader over `bytes` from `from` on; past the start it is fed the schemas and channels seen so far first. */
function readFrom(bytes: Uint8Array, from: number, known: Known): { reader: McapStreamReader; position: () => number } {
  const reader = new McapStreamReader({ decompressHandlers, validateCrcs: true, noMagicPrefix: from > 0 });
  let prefix = 0;
  if (from > 0) {
    const b = new McapRecordBuilder();
    for (const s of known.schemas.values()) b.writeSchema(s);
    for (const c of known.channels.values()) b.writeChannel(c);
    prefix = b.length;
    reader.append(b.buffer);
  }
  reader.append(bytes.subarray(from));
  const total = prefix + bytes.byteLength - from;
  return { reader, position: () => from + (total - reader.bytesRemaining()) - prefix };
}

const OPCODE_MAX = 0x0f;
const recordEnd = (bytes: Uint8Array, at: number): number | null => {
  if (at + 9 > bytes.byteLength || bytes[at] < 1 || bytes[at] > OPCODE_MAX) return null;
  const len = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 8).getBigUint64(0, true);
  const end = BigInt(at) + 9n + len;
  return end <= BigInt(bytes.byteLength) ? Number(end) : null;
};

/** Where the record at `at` ends, if its framing is sane and a record that reads whole follows (or the file ends there). */
function skipRecord(bytes: Uint8Array, at: number, known: Known): number | null {
  const end = recordEnd(bytes, at);
  if (end === null) return null;
  return end === bytes.byteLength || readsWhole(bytes, end, known) ? end : null;
}

/** The first offset at or after `at` where a chunk record reads whole (CRC checked), or null. */
function resync(bytes: Uint8Array, at: number, known: Known): number | null {
  for (let q = bytes.indexOf(0x06, at); q >= 0; q = bytes.indexOf(0x06, q + 1)) if (readsWhole(bytes, q, known)) return q;
  return null;
}

function readsWhole(bytes: Uint8Array, at: number, known: Known): boolean {
  const end = recordEnd(bytes, at);
  if (end === null) return false;
  try {
    const { reader, position } = readFrom(bytes.subarray(0, end), at, known);
    while (reader.nextRecord()) if (position() === end) return true;
    return position() === end;
  } catch {
    return false;
  }
}

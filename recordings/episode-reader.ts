import { McapIndexedReader, type McapTypes } from '@mcap/core';
import type { Step } from '../core/step.ts';
import { decompressHandlers } from './chunk-compression.ts';
import { FileReadable } from './file-readable.ts';
import { JournalAssembler } from './journal-assembler.ts';
import { META_END, META_EPISODE, META_GAPS, TOPICS, type EpisodeEnd, type EpisodeEvent, type EpisodeMeta, type JournalGap } from './journal-schemas.ts';

/** An episode read back from its journal. */
export interface Journal {
  meta: EpisodeMeta;
  /** null when the journal has no end record (recovered files have one written by recovery) */
  end: EpisodeEnd | null;
  steps: Step[];
  events: EpisodeEvent[];
  /** damaged stretches recovery skipped (empty for an intact recording) */
  gaps: JournalGap[];
}

const STEP_TOPICS = [TOPICS.step, TOPICS.proposed, TOPICS.executed];
const EVENT_TOPICS = [TOPICS.mode, TOPICS.lease, TOPICS.command, TOPICS.events];

/** Opens an indexed reader on a finished journal (needs the summary and footer). */
export async function openIndexed(readable: McapTypes.IReadable): Promise<McapIndexedReader> {
  return McapIndexedReader.Initialize({ readable, decompressHandlers });
}

/** Reads the episode meta and end records from an indexed journal. */
export async function readMetaRecords(reader: McapIndexedReader, source: string): Promise<{ meta: EpisodeMeta; end: EpisodeEnd | null; gaps: JournalGap[] }> {
  let meta: EpisodeMeta | null = null;
  let end: EpisodeEnd | null = null;
  let gaps: JournalGap[] = [];
  for await (const m of reader.readMetadata()) {
    if (m.name === META_EPISODE) meta = parseJsonField(m.metadata, source, m.name) as EpisodeMeta;
    else if (m.name === META_END) end = parseJsonField(m.metadata, source, m.name) as EpisodeEnd;
    else if (m.name === META_GAPS) gaps = parseJsonField(m.metadata, source, m.name) as JournalGap[];
  }
  if (!meta) throw new Error(`${source}: no '${META_EPISODE}' metadata record`);
  return { meta, end, gaps };
}

/** Parses the `json` entry of a metadata record. */
export function parseJsonField(map: Map<string, string>, source: string, name: string): unknown {
  const json = map.get('json');
  if (json === undefined) throw new Error(`${source}: metadata '${name}' has no json entry`);
  try {
    return JSON.parse(json);
  } catch {
    throw new Error(`${source}: metadata '${name}' holds invalid JSON`);
  }
}

/** Reads a whole journal: meta, end, steps in recording order and events. */
export async function readJournal(readable: McapTypes.IReadable, source = 'journal'): Promise<Journal> {
  const reader = await openIndexed(readable);
  const { meta, end, gaps } = await readMetaRecords(reader, source);
  const topicOf = topicsById(reader);
  const asm = new JournalAssembler(source);
  const steps: Step[] = [];
  for await (const msg of reader.readMessages({ topics: STEP_TOPICS })) {
    const s = asm.add(topicOf.get(msg.channelId)!, msg.data);
    if (s) steps.push(s);
  }
  asm.finish();
  const events: { seq: number; e: EpisodeEvent }[] = [];
  for await (const msg of reader.readMessages({ topics: EVENT_TOPICS })) {
    const before = asm.events.length;
    asm.add(topicOf.get(msg.channelId)!, msg.data);
    if (asm.events.length > before) events.push({ seq: msg.sequence, e: asm.events[before] });
  }
  events.sort((a, b) => a.seq - b.seq);
  return { meta, end, steps, events: events.map((x) => x.e), gaps };
}

/** Reads a finished journal file. */
export async function readJournalFile(path: string): Promise<Journal> {
  const readable = await FileReadable.open(path);
  try {
    return await readJournal(readable, path);
  } finally {
    await readable.close();
  }
}

/** Streams a finished journal's steps in recording order without holding them all. */
export async function* streamSteps(path: string): AsyncGenerator<Step, void, void> {
  const readable = await FileReadable.open(path);
  try {
    const reader = await openIndexed(readable);
    const topicOf = topicsById(reader);
    const asm = new JournalAssembler(path);
    for await (const msg of reader.readMessages({ topics: STEP_TOPICS })) {
      const s = asm.add(topicOf.get(msg.channelId)!, msg.data);
      if (s) yield s;
    }
    asm.finish();
  } finally {
    await readable.close();
  }
}

function topicsById(reader: McapIndexedReader): Map<number, string> {
  return new Map([...reader.channelsById.values()].map((c) => [c.id, c.topic]));
}

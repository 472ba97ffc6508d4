import type { Step } from '../core/step.ts';
import type { ByteSink } from './byte-sink.ts';
import { encodeFloat64 } from './float64-base64.ts';
import { McapChunkWriter, type ChunkCompressor } from './mcap-chunk-writer.ts';
import { lz4Compressor } from './chunk-compression.ts';
import {
  JOURNAL_VERSION,
  META_END,
  META_EPISODE,
  META_GAPS,
  MCAP_PROFILE,
  TOPIC_SCHEMAS,
  TOPICS,
  topicOfEvent,
  type EpisodeEnd,
  type EpisodeEvent,
  type EpisodeMeta,
  type JournalGap,
  type Topic,
} from './journal-schemas.ts';
import { cameraOfTopic, cameraTopic, COMPRESSED_IMAGE_SCHEMA, COMPRESSED_IMAGE_SCHEMA_NAME, encodeImageMessage, msToNs, type CameraTopic, type RecordedImage } from './image-journal.ts';

const encoder = new TextEncoder();
/** UTF-8 JSON bytes (Buffer.from is faster than TextEncoder for this in Node). */
const json = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), 'utf8');

/** Metadata record form of the episode meta: readable fields plus the exact JSON. */
export function metaToRecord(meta: EpisodeMeta): Record<string, string> {
  return {
    json: JSON.stringify(meta),
    episodeId: meta.episodeId,
    robotId: meta.robotId,
    task: meta.task,
    seed: String(meta.seed),
    policyVersion: meta.policyVersion ?? '',
    kind: meta.kind,
    startedAt: new Date(meta.startedAt).toISOString(),
    journalVersion: String(JOURNAL_VERSION),
  };
}

/**
 * One episode's MCAP journal (docs/recordings.md): one channel per topic, JSON messages with a
 * JSON Schema per channel from the TypeBox schemas. `writeStep`/`writeEvent` only encode into
 * the open chunk; `flush()` writes it. logTime is when the recorder received the record (wall
 * clock, ns); publishTime is the loop clock (episode start + t); sequence is recording order.
 */
export class JournalWriter {
  #mcap: McapChunkWriter;
  #sink: ByteSink;
  #channel = new Map<string, number>();
  #imageSchema: number | null = null;
  #sequence = 0;
  #startNs: bigint;
  #lastLogTime = 0n;
  readonly meta: EpisodeMeta;

  constructor(sink: ByteSink, meta: EpisodeMeta, { compressor = lz4Compressor }: { compressor?: ChunkCompressor | null } = {}) {
    this.#sink = sink;
    this.meta = meta;
    this.#startNs = BigInt(Math.round(meta.startedAt)) * 1_000_000n;
    this.#mcap = new McapChunkWriter({ sink, compressor, profile: MCAP_PROFILE });
    this.#mcap.addMetadata(META_EPISODE, metaToRecord(meta));
    const schemaIds = new Map<object, number>();
    for (const topic of Object.values(TOPICS)) {
      const schema = TOPIC_SCHEMAS[topic];
      let id = schemaIds.get(schema);
      if (id === undefined) {
        id = this.#mcap.addSchema(String(schema.$id), 'jsonschema', encoder.encode(JSON.stringify(schema)));
        schemaIds.set(schema, id);
      }
      this.#channel.set(topic, this.#mcap.addChannel(topic, id, 'json'));
    }
  }

  /** Encodes a step into the open chunk: `/step` plus its two action messages. */
  writeStep(step: Step, recordedAtMs: number): void {
    const { proposed, executed, operatorId, policyVersion, physicsState, ...rest } = step;
    // the simulator state as base64 float64: exact bits, about 10x cheaper to encode than JSON numbers
    const state = physicsState ? { ...rest, physicsState: encodeFloat64(physicsState) } : rest;
    const log = this.#logTime(recordedAtMs);
    const pub = this.#publishTime(step.t);
    // null fields are left out: every schema field has one plain type (docs/recordings.md)
    this.writeRaw(TOPICS.step, log, pub, json(operatorId === null && policyVersion === null ? state : { ...state, ...(operatorId !== null && { operatorId }), ...(policyVersion !== null && { policyVersion }) }));
    const base = { episodeId: step.episodeId, step: step.step, t: step.t };
    this.writeRaw(TOPICS.proposed, log, pub, json(proposed === null ? base : { ...base, action: proposed }));
    this.writeRaw(TOPICS.executed, log, pub, json(executed === null ? base : { ...base, action: executed }));
  }

  /** Encodes an event into the open chunk, on the channel for its type. */
  writeEvent(e: EpisodeEvent, recordedAtMs: number): void {
    this.writeRaw(topicOfEvent(e.type), this.#logTime(recordedAtMs), this.#publishTime(e.t), json(withoutNulls(e)));
  }

  /** Encodes a camera frame into the open chunk on `/camera/<name>` (a foxglove.CompressedImage channel, made at its first frame). */
  writeImage(img: RecordedImage): void {
    this.writeRaw(cameraTopic(img.camera), this.#logTime(img.receivedAt), msToNs(img.receivedAt), encodeImageMessage(img));
  }

  /** Records the damaged stretches recovery skipped (metadata record `takeover.gaps`). */
  writeGaps(gaps: readonly JournalGap[]): void {
    this.#mcap.addMetadata(META_GAPS, { json: JSON.stringify(gaps), count: String(gaps.length) });
  }

  /** Adds an already-encoded message (recovery copies messages through this). */
  writeRaw(topic: Topic | CameraTopic, logTime: bigint, publishTime: bigint, data: Uint8Array): void {
    const channel = this.#channel.get(topic) ?? this.#cameraChannel(topic);
    if (channel === undefined) throw new Error(`JournalWriter#writeRaw: unknown topic '${topic}'`);
    this.#mcap.addMessage(channel, this.#sequence++, logTime, publishTime, data);
  }

  #cameraChannel(topic: string): number | undefined {
    if (cameraOfTopic(topic) === null) return undefined;
    this.#imageSchema ??= this.#mcap.addSchema(COMPRESSED_IMAGE_SCHEMA_NAME, 'jsonschema', encoder.encode(JSON.stringify(COMPRESSED_IMAGE_SCHEMA)));
    const id = this.#mcap.addChannel(topic, this.#imageSchema, 'json');
    this.#channel.set(topic, id);
    return id;
  }

  /** Uncompressed bytes waiting for the next flush. */
  get pendingBytes(): number {
    return this.#mcap.pendingBytes;
  }

  /** Bytes in the file so far. */
  get bytesWritten(): number {
    return Number(this.#sink.position());
  }

  /** Closes the open chunk and writes it (one write). */
  flush(): Promise<void> {
    return this.#mcap.flush();
  }

  /** Writes the end record, summary and footer, syncs and closes the sink. */
  async finish(end: EpisodeEnd): Promise<void> {
    this.#mcap.addMetadata(META_END, { json: JSON.stringify(end), outcome: end.outcome, steps: String(end.steps), endedAt: new Date(end.endedAt).toISOString() });
    try {
      await this.#mcap.end();
      await this.#sink.sync();
    } finally {
      await this.#sink.close();
    }
  }

  /** Closes the sink without a footer (the file stays recoverable up to its last chunk). */
  async abandon(): Promise<void> {
    await this.#sink.close();
  }

  #logTime(ms: number): bigint {
    // Strictly increasing per step/event, so readers that sort by logTime keep recording order.
    let t = Number.isFinite(ms) && ms > 0 ? BigInt(Math.round(ms * 1e6)) : 0n;
    if (t <= this.#lastLogTime && this.#sequence > 0) t = this.#lastLogTime + 1n;
    this.#lastLogTime = t;
    return t;
  }

  #publishTime(t: number): bigint {
    const ns = Number.isFinite(t) ? this.#startNs + BigInt(Math.round(t * 1e9)) : this.#startNs;
    return ns < 0n ? 0n : ns; // MCAP times are unsigned
  }
}

/** The event without its null-valued fields (a missing value is a field left out). */
function withoutNulls(e: EpisodeEvent): EpisodeEvent {
  if (!Object.values(e).includes(null)) return e;
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== null)) as EpisodeEvent;
}

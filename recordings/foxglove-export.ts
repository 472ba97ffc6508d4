import type { Step } from '../core/step.ts';
import { lz4Compressor } from './chunk-compression.ts';
import { openIndexed, readMetaRecords } from './episode-reader.ts';
import { FileReadable } from './file-readable.ts';
import { FileSink } from './file-sink.ts';
import { eventLog, foxgloveTime, sceneEntities, stepJointState, stepTransforms } from './foxglove-messages.ts';
import type { FoxgloveRobotModel } from './foxglove-robot-model.ts';
import { FOXGLOVE_TOPICS, type FoxgloveTopic } from './foxglove-schemas.ts';
import { JournalAssembler } from './journal-assembler.ts';
import { MCAP_PROFILE, TOPICS, type EpisodeEvent } from './journal-schemas.ts';
import { McapChunkWriter } from './mcap-chunk-writer.ts';

/** The model to draw a robot's links with, by robot id (null: EE and objects only). */
export type RobotModelLookup = (robotId: string) => Promise<FoxgloveRobotModel | null>;

const json = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), 'utf8');
const STEP_TOPICS: ReadonlySet<string> = new Set([TOPICS.step, TOPICS.proposed, TOPICS.executed]);
const FLUSH_BYTES = 1 << 20;

/** What one Foxglove journal holds beside the copied records. */
export interface FoxgloveJournalSummary {
  steps: number;
  events: number;
  /** whether the links were drawn from a robot model */
  links: boolean;
}

/**
 * Writes `dest` (a new file): every record of the journal `src` as it is (metadata, schemas,
 * channels, messages with their times), plus the Foxglove topics: `/tf` (foxglove.FrameTransforms)
 * and `/joints` at each step's log time, `/scene` (foxglove.SceneUpdate) once before the first
 * step, `/log` (foxglove.Log) at each event's. Their timestamps are the log times, the time
 * Foxglove plays back by.
 */
export async function writeFoxgloveJournal(src: string, dest: string, modelFor: RobotModelLookup): Promise<FoxgloveJournalSummary> {
  const readable = await FileReadable.open(src);
  const sink = new FileSink(dest);
  try {
    const reader = await openIndexed(readable);
    const { meta } = await readMetaRecords(reader, src);
    const model = await modelFor(meta.robotId);
    const out = new McapChunkWriter({ sink, compressor: lz4Compressor, profile: MCAP_PROFILE });
    for await (const m of reader.readMetadata()) out.addMetadata(m.name, Object.fromEntries(m.metadata));
    const schemaIds = new Map<number, number>();
    for (const s of reader.schemasById.values()) schemaIds.set(s.id, out.addSchema(s.name, s.encoding, s.data));
    const channelIds = new Map<number, number>();
    const topicOf = new Map<number, string>();
    for (const c of reader.channelsById.values()) {
      channelIds.set(c.id, out.addChannel(c.topic, schemaIds.get(c.schemaId) ?? 0, c.messageEncoding, Object.fromEntries(c.metadata)));
      topicOf.set(c.id, c.topic);
    }
    const added = {} as Record<FoxgloveTopic, { channel: number; seq: number }>;
    for (const [key, t] of Object.entries(FOXGLOVE_TOPICS)) {
      const schema = out.addSchema(t.schemaName, 'jsonschema', json(t.schema));
      added[key as FoxgloveTopic] = { channel: out.addChannel(t.topic, schema, 'json'), seq: 0 };
    }
    const emit = (key: FoxgloveTopic, logTime: bigint, publishTime: bigint, msg: unknown) => {
      const a = added[key];
      out.addMessage(a.channel, a.seq++, logTime, publishTime, json(msg));
    };

    const asm = new JournalAssembler(src);
    const summary: FoxgloveJournalSummary = { steps: 0, events: 0, links: model !== null };
    for await (const msg of reader.readMessages()) {
      const channel = channelIds.get(msg.channelId);
      if (channel === undefined) continue;
      out.addMessage(channel, msg.sequence, msg.logTime, msg.publishTime, msg.data);
      const topic = topicOf.get(msg.channelId)!;
      const ts = foxgloveTime(msg.logTime);
      if (STEP_TOPICS.has(topic)) {
        const step: Step | undefined = asm.add(topic, msg.data);
        if (!step) continue;
        if (summary.steps++ === 0) emit('scene', msg.logTime, msg.publishTime, { deletions: [], entities: sceneEntities(model, step.obs.objects.map((o) => o.name), ts) });
        emit('tf', msg.logTime, msg.publishTime, { transforms: stepTransforms(step, model, ts) });
        emit('joints', msg.logTime, msg.publishTime, stepJointState(step, ts));
      } else if (Object.values(TOPICS).includes(topic as never)) {
        const before = asm.events.length;
        asm.add(topic, msg.data);
        const e: EpisodeEvent | undefined = asm.events[before];
        if (e) {
          emit('log', msg.logTime, msg.publishTime, eventLog(e, ts));
          summary.events++;
        }
      }
      if (out.pendingBytes > FLUSH_BYTES) await out.flush();
    }
    asm.finish();
    await out.end();
    await sink.sync();
    return summary;
  } finally {
    await sink.close().catch(() => {});
    await readable.close();
  }
}

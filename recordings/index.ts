// The recordings package: episode journals (MCAP), the catalog, recovery, reading, training labels.
export { Recorder, type RecorderOptions } from './recorder.ts';
export { JournalWriter, metaToRecord } from './journal-writer.ts';
export { McapChunkWriter, type ChunkCompressor } from './mcap-chunk-writer.ts';
export { lz4Compressor, decompressHandlers } from './chunk-compression.ts';
export type { ByteSink } from './byte-sink.ts';
export { FileSink } from './file-sink.ts';
export { MemorySink } from './memory-sink.ts';
export { FileReadable, BytesReadable } from './file-readable.ts';
export {
  EPISODE_EVENT_TYPES,
  EpisodeEndSchema,
  EpisodeEventSchema,
  EpisodeMetaSchema,
  StepActionSchema,
  StepStateSchema,
  TOPICS,
  TOPIC_SCHEMAS,
  type EpisodeEnd,
  type EpisodeEvent,
  type EpisodeMeta,
  type Topic,
} from './journal-schemas.ts';
export {
  EpisodeQuerySchema,
  EpisodeRowSchema,
  EpisodeStatusSchema,
  type Catalog,
  type EpisodeFinish,
  type EpisodePatch,
  type EpisodeQuery,
  type EpisodeRow,
  type EpisodeStatus,
  type NewEpisode,
} from './catalog.ts';
export { SqliteCatalog } from './sqlite-catalog.ts';
export { dataDirLayout, ensureDataDir, journalFile, recorderHolding } from './data-dir.ts';
export { readJournal, readJournalFile, streamSteps, type Journal } from './episode-reader.ts';
export { scanJournal, type JournalScan } from './journal-scan.ts';
export { recoverDataDir, type RecoveryReport } from './recovery.ts';
export { deleteEpisode, EpisodeOpError } from './episode-delete.ts';
export { rowFromJournal } from './episode-summary.ts';
export { segmentsOf, type Segment, type SegmentKind } from './episode-segments.ts';
export { toTrainingArrays, streamTrainingArrays, type FieldArray, type TrainingArrays } from './training-arrays.ts';
export {
  ACTION_MODES,
  INTV_LABELS,
  PRE_INTERVENTION_WINDOW,
  labelSteps,
  summarizeLabels,
  type LabelInput,
  type LabelOptions,
  type StepClass,
  type StepLabel,
} from './step-labels.ts';

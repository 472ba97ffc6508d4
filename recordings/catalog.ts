import { Type, type Static } from '@sinclair/typebox';
import { OutcomeSchema, type Outcome } from '../core/step.ts';

/** Lifecycle of an episode's journal. */
export const EpisodeStatusSchema = Type.Union(
  [Type.Literal('recording'), Type.Literal('complete'), Type.Literal('recovered'), Type.Literal('quarantined')],
  { $id: 'takeover/EpisodeStatus' },
);
export type EpisodeStatus = Static<typeof EpisodeStatusSchema>;

/** One catalog row: what the catalog knows about an episode (its steps live in the journal). */
export const EpisodeRowSchema = Type.Object(
  {
    id: Type.String(),
    serverId: Type.String({ description: 'the server that recorded the episode (several servers may share one catalog)' }),
    robotId: Type.String(),
    task: Type.String(),
    seed: Type.Integer(),
    policyVersion: Type.Union([Type.String(), Type.Null()]),
    kind: Type.Union([Type.Literal('policy'), Type.Literal('demo')]),
    operators: Type.Array(Type.String()),
    startedAt: Type.Number({ description: 'ms since the Unix epoch' }),
    endedAt: Type.Union([Type.Number(), Type.Null()]),
    outcome: Type.Union([OutcomeSchema, Type.Null()]),
    steps: Type.Integer({ minimum: 0 }),
    interventionCount: Type.Integer({ minimum: 0, description: 'intervention onsets still in effect' }),
    interventionSteps: Type.Integer({ minimum: 0, description: 'steps labelled intervention' }),
    interventionOnsets: Type.Array(Type.Integer(), { description: 'step index of each onset' }),
    droppedSteps: Type.Integer({ minimum: 0 }),
    bytes: Type.Integer({ minimum: 0 }),
    file: Type.String({ description: 'journal path relative to the data directory' }),
    status: EpisodeStatusSchema,
    notes: Type.String(),
    tags: Type.Array(Type.String()),
    storageKey: Type.Optional(Type.String({ description: "the journal's key in the object store, once its upload is verified" })),
    uploadedAt: Type.Optional(Type.Number({ description: 'when the upload was verified, ms since the Unix epoch' })),
    sha256: Type.Optional(Type.String({ description: "hex SHA-256 of the uploaded journal's bytes" })),
  },
  { $id: 'takeover/Episode' },
);
export type EpisodeRow = Static<typeof EpisodeRowSchema>;

/** Filters for listing episodes; all optional and combined with AND. */
export const EpisodeQuerySchema = Type.Object(
  {
    robotId: Type.Optional(Type.String()),
    task: Type.Optional(Type.String()),
    policyVersion: Type.Optional(Type.String()),
    outcome: Type.Optional(OutcomeSchema),
    kind: Type.Optional(Type.Union([Type.Literal('policy'), Type.Literal('demo')])),
    status: Type.Optional(EpisodeStatusSchema),
    tag: Type.Optional(Type.String()),
    from: Type.Optional(Type.Number({ description: 'started at or after, ms epoch' })),
    to: Type.Optional(Type.Number({ description: 'started before, ms epoch' })),
    hasInterventions: Type.Optional(Type.Boolean()),
    serverId: Type.Optional(Type.String({ maxLength: 128, description: 'episodes recorded by this server' })),
    scope: Type.Optional(Type.Union([Type.Literal('server'), Type.Literal('fleet')], {
      description: "'server' (default): this server's episodes; 'fleet': every server's in a shared catalog",
    })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { $id: 'takeover/EpisodeQuery', additionalProperties: false },
);
export type EpisodeQuery = Static<typeof EpisodeQuerySchema>;

/** What can be edited by hand. */
export interface EpisodePatch {
  outcome?: Outcome;
  notes?: string;
  tags?: string[];
}

/** A new row (status 'recording', counts zero); the catalog stamps its own server id. */
export type NewEpisode = Pick<EpisodeRow, 'id' | 'robotId' | 'task' | 'seed' | 'policyVersion' | 'kind' | 'startedAt' | 'file'>;

/** The counts known once an episode's journal is finished or recovered. */
export type EpisodeFinish = Pick<
  EpisodeRow,
  'endedAt' | 'outcome' | 'steps' | 'interventionCount' | 'interventionSteps' | 'interventionOnsets' | 'operators' | 'droppedSteps' | 'bytes' | 'status'
>;

/** Where a journal's verified copy lives in the object store (docs/deployment.md, "Object storage"). */
export interface EpisodeUpload {
  storageKey: string;
  sha256: string;
  uploadedAt: number;
}

/**
 * The episode index. Asynchronous so a networked database (PostgreSQL for a fleet) can
 * implement it; `SqliteCatalog` is the local one.
 */
export interface Catalog {
  /** Adds a row in status 'recording'; throws if the id exists. */
  insert(row: NewEpisode): Promise<void>;
  /** Records the end of an episode (or its recovery). */
  finish(id: string, f: EpisodeFinish): Promise<void>;
  /** Inserts or replaces a whole row (recovery of a file the catalog lost); the catalog stamps its own server id. */
  upsert(row: EpisodeRow): Promise<void>;
  get(id: string): Promise<EpisodeRow | null>;
  list(q: EpisodeQuery): Promise<{ items: EpisodeRow[]; total: number }>;
  /** Edits outcome, notes, tags; returns the new row or null if absent. */
  patch(id: string, p: EpisodePatch): Promise<EpisodeRow | null>;
  setStatus(id: string, status: EpisodeStatus): Promise<void>;
  /** Removes the row; false if it was absent. */
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A catalog a server opens as its own: it knows the server's id (stamped on every row it
 * writes) and whether other servers share it (then list's default scope is this server's rows).
 */
export interface ServerCatalog extends Catalog {
  readonly serverId: string;
  /** true when several servers may write this catalog (PostgreSQL) */
  readonly shared: boolean;
  /** The highest seed recorded per robot of this server (a restarted robot continues after it). */
  highestSeeds(): Promise<Map<string, number>>;
  /** Records that an episode's journal was uploaded and verified; throws if there is no such episode. */
  markUploaded(id: string, u: EpisodeUpload): Promise<void>;
  /** Ids of this server's finished episodes (complete or recovered) not yet uploaded, oldest first. */
  pendingUploads(limit: number): Promise<string[]>;
}

/**
 * A catalog refused an operation because another connection or process holds the lock it
 * needs; the same call may succeed later. Implementations throw this instead of waiting, so
 * the caller decides: queue and retry (recordings/catalog-write-queue.ts) or answer 503.
 */
export class CatalogBusyError extends Error {
  readonly code = 'CATALOG_BUSY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CatalogBusyError';
  }
}

/** True for an error a later retry may cure (the database was locked), from any Catalog. */
export function isCatalogBusy(err: unknown): boolean {
  if (err instanceof CatalogBusyError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  // better-sqlite3's own codes, in case a caller hands us an unwrapped error (SQLITE_BUSY_SNAPSHOT etc. included).
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

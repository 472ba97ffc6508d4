import { Type, type Static } from '@sinclair/typebox';
import { SafeNameSchema } from '../../core/safe-name.ts';
import { KeepEpochSchema, TrainingJobSpecSchema } from '../../policies/training-job.ts';

/** An export job: the episodes a catalog query selects, written by one of `takeover export`'s formats (docs/deployment.md). */
export const ExportJobSpecSchema = Type.Object(
  {
    episodes: Type.String({ maxLength: 2000, description: "catalog query: key=value pairs (task=place,outcome=success) or 'all'" }),
    format: Type.Union([Type.Literal('robomimic'), Type.Literal('lerobot'), Type.Literal('mcap-foxglove')]),
    includeRewound: Type.Optional(Type.Boolean()),
    includeRecovery: Type.Optional(Type.Boolean()),
    /** also export episodes recovered with gaps */
    includeGapped: Type.Optional(Type.Boolean()),
    /** the control rate the samples are written at (default 20) */
    controlHz: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type ExportJobSpec = Static<typeof ExportJobSpecSchema>;

/** A learning-loop job: one seed of `takeover loop`'s run in the simulator (defaults from its scenario; docs/training.md). */
export const LoopJobSpecSchema = Type.Object(
  {
    scenario: Type.Optional(Type.Union([Type.Literal('standard'), Type.Literal('discriminating')])),
    task: Type.Union([Type.Literal('reach'), Type.Literal('lift'), Type.Literal('place')]),
    rounds: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    episodesPerRound: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    weightings: Type.Optional(Type.Array(Type.Union([Type.Literal('sirius'), Type.Literal('iwr'), Type.Literal('none')]), { minItems: 1, maxItems: 3, uniqueItems: true })),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    /** a shipped version (the run's registry is its own folder beside the shipped policies) */
    startVersion: Type.Optional(SafeNameSchema()),
    demos: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    demoSeedBase: Type.Optional(Type.Integer({ minimum: 0 })),
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    evalEpisodes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    evalSeedBase: Type.Optional(Type.Integer({ minimum: 0 })),
    rewind: Type.Optional(Type.Boolean()),
    finishTask: Type.Optional(Type.Boolean()),
    warmStart: Type.Optional(Type.Boolean()),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    preInterventionAfterRewind: Type.Optional(Type.Union([Type.Literal('kept'), Type.Literal('undone'), Type.Literal('none')])),
    keepEpoch: Type.Optional(KeepEpochSchema),
  },
  { additionalProperties: false },
);
export type LoopJobSpec = Static<typeof LoopJobSpecSchema>;

/** What a job does: train a new version, evaluate one in the simulator, export episodes, or run a learning loop (REST body of POST /api/jobs). */
export const JobSpecSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('training'), training: TrainingJobSpecSchema }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('evaluation'),
        evaluation: Type.Object(
          {
            version: SafeNameSchema(),
            task: Type.String({ maxLength: 64, description: 'sim task: reach | lift | place' }),
            episodes: Type.Integer({ minimum: 1, maximum: 1000 }),
            seedBase: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('export'), export: ExportJobSpecSchema }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('loop'), loop: LoopJobSpecSchema }, { additionalProperties: false }),
  ],
  { $id: 'takeover/JobSpec' },
);
export type JobSpec = Static<typeof JobSpecSchema>;
export type JobKind = JobSpec['kind'];

export const JobStatusSchema = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);
export type JobStatus = Static<typeof JobStatusSchema>;

/** A job as the API reports it, whichever runner runs it. */
export const JobViewSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    status: JobStatusSchema,
    spec: Type.Unknown(),
    progress: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    /** the policy version a training job created */
    version: Type.Union([Type.String(), Type.Null()]),
    /** what the job reported at the end (training: set summary; evaluation: the scores; export: where it wrote and what; loop: its table and the versions it published) */
    result: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    /** runs started (a worker lost mid-job makes another) */
    attempts: Type.Integer({ minimum: 0 }),
    /** the server it was submitted on */
    serverId: Type.String(),
    /** who runs it: 'in-process', or a worker id */
    runner: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.Number(),
    startedAt: Type.Union([Type.Number(), Type.Null()]),
    finishedAt: Type.Union([Type.Number(), Type.Null()]),
  },
  { $id: 'takeover/Job' },
);
export type JobView = Static<typeof JobViewSchema>;

/** True once a job can change no more. */
export function isFinalStatus(s: JobStatus): boolean {
  return s === 'succeeded' || s === 'failed' || s === 'cancelled';
}

/**
 * Jobs, whichever runner runs them: in the server's process (the embedded default) or on a
 * PostgreSQL-backed queue that `takeover worker` processes consume (docs/deployment.md).
 */
export interface JobQueue {
  /** 'in-process' or 'queue' */
  readonly runner: 'in-process' | 'queue';
  /** Queues a job; throws JobRefusedError when this runner cannot run its kind. */
  submit(spec: JobSpec): Promise<JobView>;
  get(id: string): Promise<JobView | null>;
  /** Jobs newest first (at most `limit`). */
  list(limit?: number): Promise<JobView[]>;
  /** Cancels a queued or running job; returns it (unchanged if it had finished), or null if unknown. */
  cancel(id: string): Promise<JobView | null>;
  close(): Promise<void>;
}

/** A job this runner cannot take (its kind needs a worker); the API answers 400. */
export class JobRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobRefusedError';
  }
}

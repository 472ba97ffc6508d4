import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ObservationSchema } from '../core/observation.ts';
import { OutcomeSchema } from '../core/step.ts';

/** Who, what and when of an episode: the first metadata record of its journal and the catalog row. */
export const EpisodeMetaSchema = Type.Object(
  {
    episodeId: Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$', description: 'also the journal file name' }),
    robotId: Type.String(),
    task: Type.String(),
    seed: Type.Integer(),
    policyVersion: Type.Union([Type.String(), Type.Null()]),
    kind: Type.Union([Type.Literal('policy'), Type.Literal('demo')]),
    startedAt: Type.Number({ description: 'ms since the Unix epoch' }),
  },
  { $id: 'takeover/EpisodeMeta' },
);
export type EpisodeMeta = Static<typeof EpisodeMetaSchema>;

export const EPISODE_EVENT_TYPES = ['reset', 'outcome', 'rewind', 'mode', 'lease', 'command', 'policy_swap', 'note', 'help'] as const;

/**
 * Version of the journal's channel schemas, in the `takeover.episode` metadata record as
 * `journalVersion`. 1 (no such entry): fields could be null and schemas used `anyOf`. 2: every
 * field has one plain JSON type, so Foxglove and Lichtblick decode the channels; a value that is
 * absent is a field left out (readers turn it back into null). Readers accept both.
 */
export const JOURNAL_VERSION = 2;

/** A string enum as one plain `type` (a union of literals would be an `anyOf`, which viewers reject). */
const stringEnum = (values: readonly string[], description?: string) => Type.String({ enum: [...values], ...(description ? { description } : {}) });
const OUTCOMES = ['success', 'failure', 'timeout', 'aborted', 'unknown'] as const;

/**
 * Anything that happens in an episode besides a step. `t` is the loop clock (seconds since the
 * reset, like Step.t); `step` the index of the last recorded step (-1 before the first). Extra
 * fields by type: rewind `{ fromStep, toStep }`, mode `{ from, to }`, lease `{ operatorId }`,
 * outcome `{ outcome }`, policy_swap `{ policyVersion }`, command `{ operatorId, command }`,
 * help `{ state: 'raised', reason, score, threshold, action }` or `{ state: 'closed', answer, by, score }`.
 * Fields whose value is null are left out of the journal.
 */
export const EpisodeEventSchema = Type.Object(
  {
    type: stringEnum(EPISODE_EVENT_TYPES),
    t: Type.Number(),
    step: Type.Integer({ minimum: -1 }),
    fromStep: Type.Optional(Type.Integer({ description: 'rewind: the last step before it' })),
    toStep: Type.Optional(Type.Integer({ description: 'rewind: the step it went back to (-1: the reset)' })),
    from: Type.Optional(Type.String({ description: 'mode: the mode before; lease: the holder before' })),
    to: Type.Optional(Type.String({ description: 'mode: the mode after; lease: the holder after' })),
    operatorId: Type.Optional(Type.String()),
    outcome: Type.Optional(stringEnum(OUTCOMES)),
    policyVersion: Type.Optional(Type.String()),
    seed: Type.Optional(Type.Integer()),
    reason: Type.Optional(Type.String()),
    by: Type.Optional(Type.String()),
  },
  { $id: 'takeover/EpisodeEvent', additionalProperties: true },
);
export type EpisodeEvent = { type: (typeof EPISODE_EVENT_TYPES)[number]; t: number; step: number } & { [k: string]: unknown };

/**
 * A step without its actions: the `/step` channel (the actions have channels of their own).
 * The fields of core/step.ts's StepSchema, each with one plain type; `operatorId` and
 * `policyVersion` are left out when null.
 */
export const StepStateSchema = Type.Object(
  {
    episodeId: Type.String(),
    step: Type.Integer({ minimum: 0 }),
    t: Type.Number({ description: 'seconds since the episode reset (loop clock)' }),
    obs: ObservationSchema,
    jointTargets: Type.Array(Type.Number(), { description: 'joint targets sent to the robot after safety, rad' }),
    clamped: Type.Array(Type.String(), { description: 'safety limits that changed this command' }),
    source: stringEnum(['policy', 'operator', 'none'], 'who produced the executed action'),
    mode: stringEnum(['AUTONOMOUS', 'INTERVENING', 'PAUSED', 'ESTOP', 'REWINDING']),
    operatorId: Type.Optional(Type.String({ description: 'absent when no operator held the lease' })),
    policyVersion: Type.Optional(Type.String({ description: 'absent when no policy was loaded' })),
    recovery: Type.Optional(Type.Boolean()),
    helpScore: Type.Optional(Type.Number({ description: "the policy's uncertainty score this step (versions with a help model)" })),
    helpEnsembleScore: Type.Optional(Type.Number({ description: "the policy's ensemble disagreement this step (versions with a help ensemble)" })),
    helpRiskScore: Type.Optional(Type.Number({ description: "the policy's learned failure risk this step (versions with a failure-risk model)" })),
    helpOpen: Type.Optional(Type.Boolean({ description: 'a help request was open during this step' })),
    label: Type.Optional(Type.Array(Type.Number(), { minItems: 7, maxItems: 7, description: 'training target when it is not the executed action (noise-injected demos): the clean expert action' })),
    physicsState: Type.Optional(
      Type.String({
        contentEncoding: 'base64',
        description: 'simulated robots: the whole MuJoCo state after the command (mj_getState, mjSTATE_INTEGRATION, time since the reset), float64 little-endian, base64',
      }),
    ),
  },
  { $id: 'takeover/StepState' },
);

/** One action of one step: the `/action/proposed` and `/action/executed` channels; `action` is left out when there was none. */
export const StepActionSchema = Type.Object(
  {
    episodeId: Type.String(),
    step: Type.Integer({ minimum: 0 }),
    t: Type.Number(),
    action: Type.Optional(Type.Array(Type.Number({ minimum: -1, maximum: 1 }), { minItems: 7, maxItems: 7, description: 'EE delta [dx, dy, dz, droll, dpitch, dyaw] and gripper, each in [-1, 1]' })),
  },
  { $id: 'takeover/StepAction' },
);

/** How the journal ends: the last metadata record. */
export const EpisodeEndSchema = Type.Object(
  {
    endedAt: Type.Number({ description: 'ms since the Unix epoch' }),
    outcome: OutcomeSchema,
    steps: Type.Integer({ minimum: 0 }),
    dropped: Type.Integer({ minimum: 0, description: 'steps the recorder dropped on queue overflow' }),
  },
  { $id: 'takeover/EpisodeEnd' },
);
export type EpisodeEnd = Static<typeof EpisodeEndSchema>;

/** Journal topics and the schema each carries (all JSON-encoded). */
export const TOPICS = {
  step: '/step',
  proposed: '/action/proposed',
  executed: '/action/executed',
  mode: '/mode',
  lease: '/lease',
  command: '/operator/command',
  events: '/episode/events',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const TOPIC_SCHEMAS: Record<Topic, TSchema> = {
  '/step': StepStateSchema,
  '/action/proposed': StepActionSchema,
  '/action/executed': StepActionSchema,
  '/mode': EpisodeEventSchema,
  '/lease': EpisodeEventSchema,
  '/operator/command': EpisodeEventSchema,
  '/episode/events': EpisodeEventSchema,
};

/** The channel an event goes to. */
export function topicOfEvent(type: string): Topic {
  return type === 'mode' ? TOPICS.mode : type === 'lease' ? TOPICS.lease : type === 'command' ? TOPICS.command : TOPICS.events;
}

export const META_EPISODE = 'takeover.episode';
export const META_END = 'takeover.episode_end';
/** Metadata record that recovery writes into a journal it rebuilt past damaged records: `json` is a JournalGap[]. */
export const META_GAPS = 'takeover.gaps';

/** A stretch of a journal that recovery skipped: damaged bytes whose messages are lost. */
export interface JournalGap {
  /** byte offset of the damaged stretch in the original file */
  offset: number;
  bytes: number;
  problem: string;
}
export const MCAP_PROFILE = 'takeover';

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ActionSchema } from '../core/action.ts';
import { StepSchema, OutcomeSchema } from '../core/step.ts';

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

export const EPISODE_EVENT_TYPES = ['reset', 'outcome', 'rewind', 'mode', 'lease', 'command', 'policy_swap', 'note'] as const;

/**
 * Anything that happens in an episode besides a step. `t` is the loop clock (seconds since the
 * reset, like Step.t); `step` the index of the last recorded step (-1 before the first). Extra
 * fields by type: rewind `{ fromStep, toStep }`, mode `{ from, to }`, lease `{ operatorId }`,
 * outcome `{ outcome }`, policy_swap `{ policyVersion }`, command `{ operatorId, command }`.
 */
export const EpisodeEventSchema = Type.Object(
  {
    type: Type.Union(EPISODE_EVENT_TYPES.map((t) => Type.Literal(t))),
    t: Type.Number(),
    step: Type.Integer({ minimum: -1 }),
  },
  { $id: 'takeover/EpisodeEvent', additionalProperties: true },
);
export type EpisodeEvent = Static<typeof EpisodeEventSchema> & { [k: string]: unknown };

/** A step without its actions: the `/step` channel (the actions have channels of their own). */
export const StepStateSchema = Type.Omit(StepSchema, ['proposed', 'executed'], { $id: 'takeover/StepState' });

/** One action of one step: the `/action/proposed` and `/action/executed` channels. */
export const StepActionSchema = Type.Object(
  {
    episodeId: Type.String(),
    step: Type.Integer({ minimum: 0 }),
    t: Type.Number(),
    action: Type.Union([ActionSchema, Type.Null()]),
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
export const MCAP_PROFILE = 'takeover';

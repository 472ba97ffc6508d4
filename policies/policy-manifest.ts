import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkFeatureSpecVersion, FeatureSpecSchema } from './observation-features.ts';
import { MlpArchitectureSchema } from './mlp-policy.ts';
import { NormalizationSchema } from './normalization.ts';
import { HelpModelSchema } from './help-model.ts';

export const POLICY_FORMAT = 'takeover-policy/1';
export const POLICY_JSON = 'policy.json';

/** One evaluation run of a version (takeover eval). */
export const EvaluationSchema = Type.Object({
  task: Type.String(),
  episodes: Type.Integer({ minimum: 1 }),
  seedBase: Type.Integer(),
  successes: Type.Integer({ minimum: 0 }),
  successRate: Type.Number(),
  /** 95% Wilson score interval of the success rate */
  ci95: Type.Tuple([Type.Number(), Type.Number()]),
  meanEpisodeLength: Type.Number({ description: 'control steps' }),
  /** seeds that failed, so a rerun can be checked episode by episode */
  failedSeeds: Type.Optional(Type.Array(Type.Integer())),
  maxSteps: Type.Optional(Type.Integer()),
  backend: Type.Optional(Type.String()),
  at: Type.String({ description: 'ISO time' }),
});
export type Evaluation = Static<typeof EvaluationSchema>;

/** How a version was trained. */
export const TrainingInfoSchema = Type.Object({
  /** where the data came from, e.g. a catalog query or "sim rollout of the scripted expert" */
  source: Type.String(),
  query: Type.Optional(Type.String()),
  weighting: Type.Union([Type.Literal('sirius'), Type.Literal('iwr'), Type.Literal('none')]),
  episodes: Type.Array(Type.String()),
  validationEpisodes: Type.Array(Type.String()),
  /** training rows with positive weight (the rows the trainer used) */
  samples: Type.Integer(),
  /** sum of those rows' weights */
  trainWeight: Type.Optional(Type.Number()),
  validationSamples: Type.Integer(),
  classes: Type.Optional(Type.Record(Type.String(), Type.Integer())),
  epochs: Type.Integer(),
  batchSize: Type.Integer(),
  learningRate: Type.Number(),
  seed: Type.Integer(),
  finalTrainLoss: Type.Number(),
  finalValidationLoss: Type.Union([Type.Number(), Type.Null()]),
  initialValidationLoss: Type.Union([Type.Number(), Type.Null()]),
  /** the epoch whose weights were kept (lowest validation loss) and its validation loss */
  keptEpoch: Type.Optional(Type.Integer({ minimum: 1 })),
  keptValidationLoss: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  seconds: Type.Number(),
  backend: Type.String(),
  /** fine-tuned from the parent version's weights */
  warmStart: Type.Optional(Type.Boolean()),
});
export type TrainingInfo = Static<typeof TrainingInfoSchema>;

/** policy.json: everything needed to run, compare and reproduce a version. */
export const PolicyManifestSchema = Type.Object(
  {
    format: Type.Literal(POLICY_FORMAT),
    version: Type.String(),
    createdAt: Type.String(),
    parentVersion: Type.Union([Type.String(), Type.Null()]),
    task: Type.Union([Type.String(), Type.Null()]),
    architecture: MlpArchitectureSchema,
    observation: FeatureSpecSchema,
    action: Type.Object({
      space: Type.Literal('ee-delta'),
      dim: Type.Integer(),
      description: Type.String(),
    }),
    normalization: NormalizationSchema,
    controlRateHz: Type.Number({ exclusiveMinimum: 0 }),
    model: Type.Object({ format: Type.Literal('tfjs-layers'), file: Type.String() }),
    training: Type.Union([TrainingInfoSchema, Type.Null()]),
    evaluation: Type.Array(EvaluationSchema),
    /** uncertainty estimate for help requests (policies/help-model.ts); versions without it never ask */
    help: Type.Optional(HelpModelSchema),
  },
  { $id: 'takeover/PolicyManifest' },
);
export type PolicyManifest = Static<typeof PolicyManifestSchema>;

/** Parses and checks a policy.json, naming the first problem and the file. */
export function parseManifest(text: string, source: string): PolicyManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`);
  }
  // a version from a newer build gets its own message rather than a schema union mismatch
  const observation = (raw as { observation?: { version?: unknown } } | null)?.observation;
  if (observation && typeof observation === 'object' && 'version' in observation) {
    try {
      checkFeatureSpecVersion(observation.version);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }
  if (!Value.Check(PolicyManifestSchema, raw)) {
    const first = Value.Errors(PolicyManifestSchema, raw).First();
    throw new Error(`${source}: invalid policy manifest at ${first?.path || '/'}: ${first?.message ?? 'unknown'}`);
  }
  return raw;
}

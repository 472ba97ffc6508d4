import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { backendInfo, describeBackend } from '../../policies/backend.ts';
import type { PolicyManifest } from '../../policies/policy-manifest.ts';
import type { PolicyRegistry } from '../../policies/policy-registry.ts';
import type { PolicyRuntimeStats } from '../control-plane/policy-host.ts';
import { TrainingJobSpecSchema, type TrainingJobSpec } from '../../policies/training-job.ts';
import type { TrainingJob, TrainingJobManager } from '../../policies/training-jobs.ts';
import { RecordIdSchema, RobotIdSchema, SafeNameSchema } from '../../core/safe-name.ts';
import { TakeoverError, withoutServerPaths } from '../errors.ts';

export interface PoliciesApiOptions {
  registry: PolicyRegistry;
  jobs: TrainingJobManager;
  /** whether a robot with this id exists */
  hasRobot: (robotId: string) => boolean;
  /** loads and warms a version on the control side, then switches the robot to it between two ticks */
  assignPolicy: (robotId: string, version: string) => Promise<{ previous: string | null }>;
  /** the figures of the runtime that drives the robots (null when none runs) */
  runtimeStats: () => Promise<PolicyRuntimeStats | null>;
  /** the data directory: error messages name its files relative to it */
  dataDir?: string;
  /** with a shared database: writes every stored version this server lacks into its registry */
  syncAll?: () => Promise<void>;
  /** with a shared database: writes one stored version into this server's registry (before it is read or loaded) */
  syncVersion?: (version: string) => Promise<void>;
  /** job status and progress, for the WebSocket broadcaster */
  onJobUpdate?: (job: TrainingJob) => void;
}

/** A TypeBox schema as plain JSON Schema without `$id`s, so routes can embed it. */
function plain(schema: object): object {
  return JSON.parse(JSON.stringify(schema), (k, v) => (k === '$id' ? undefined : v));
}

const VersionParams = Type.Object({ id: SafeNameSchema() });
const JobParams = Type.Object({ id: RecordIdSchema() });
const RobotParams = Type.Object({ id: RobotIdSchema() });
const SwapBody = Type.Object({ version: SafeNameSchema() }, { additionalProperties: false });

/** What GET /api/policies lists per version (policy.json without the normalization arrays). */
function summary(m: PolicyManifest) {
  return {
    version: m.version,
    createdAt: m.createdAt,
    parentVersion: m.parentVersion,
    task: m.task,
    controlRateHz: m.controlRateHz,
    architecture: m.architecture,
    observationDim: m.observation.dim,
    training: m.training
      ? { weighting: m.training.weighting, source: m.training.source, episodes: m.training.episodes.length, samples: m.training.samples, epochs: m.training.epochs, seed: m.training.seed }
      : null,
    evaluation: m.evaluation,
  };
}

/** A job for the API: the spec, status and progress; the result reduced to the version and counts. */
function jobView(j: TrainingJob, dataDir?: string) {
  return {
    id: j.id,
    status: j.status,
    spec: j.spec,
    progress: j.progress,
    version: j.version,
    summary: j.result?.summary ?? null,
    error: j.error === null ? null : withoutServerPaths(j.error, dataDir),
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
  };
}

/**
 * Policy routes: list versions (GET /api/policies), start and inspect training jobs
 * (POST /api/training-jobs, GET /api/training-jobs[/:id]), and swap the version a robot runs
 * (POST /api/robots/:id/policy). Viewers read; operators train and swap (each route's
 * `config.role`, enforced by server/api/route-roles.ts).
 */
export const policiesApi: FastifyPluginAsync<PoliciesApiOptions> = async (app, o) => {
  const viewer = { role: 'viewer' } as const;
  const operator = { role: 'operator' } as const;
  const tags = ['policies'];
  const view = (j: TrainingJob) => jobView(j, o.dataDir);
  /** a registry error as a client may read it (no absolute server paths) */
  const said = (err: unknown) => withoutServerPaths((err as Error).message, o.dataDir);
  if (o.onJobUpdate) {
    const off = o.jobs.subscribe(o.onJobUpdate);
    app.addHook('onClose', async () => off());
  }

  app.get('/api/policies', { config: viewer, schema: { tags, summary: 'policy versions, the backend and the runtime figures' } }, async () => ({
    backend: { ...(backendInfo() ?? {}), description: describeBackend() },
    runtime: await o.runtimeStats(),
    items: (await o.syncAll?.(), o.registry.list().map(summary)),
  }));

  app.get<{ Params: { id: string } }>('/api/policies/:id', { config: viewer, schema: { tags, summary: "a version's policy.json", params: plain(VersionParams) } }, async (req) => {
    try {
      await o.syncVersion?.(req.params.id);
      return o.registry.manifest(req.params.id);
    } catch (err) {
      throw new TakeoverError('TKO_ERR_NOT_FOUND', said(err));
    }
  });

  app.post<{ Body: TrainingJobSpec }>('/api/training-jobs', { config: operator, schema: { tags, summary: 'start training a new version (202)', body: plain(TrainingJobSpecSchema) } }, async (req, reply) => {
    if (req.body.parentVersion) {
      try {
        o.registry.manifest(req.body.parentVersion);
      } catch (err) {
        throw new TakeoverError('TKO_ERR_BAD_REQUEST', said(err));
      }
    }
    const job = o.jobs.start(req.body);
    reply.code(202);
    return view(job);
  });

  app.get('/api/training-jobs', { config: viewer, schema: { tags, summary: 'training jobs, queued, running and finished' } }, async () => ({ items: o.jobs.list().map(view) }));

  app.get<{ Params: { id: string } }>('/api/training-jobs/:id', { config: viewer, schema: { tags, summary: 'one training job', params: plain(JobParams) } }, async (req) => {
    const job = o.jobs.get(req.params.id);
    if (!job) throw new TakeoverError('TKO_ERR_NOT_FOUND', `training job '${req.params.id}' not found`);
    return view(job);
  });

  app.delete<{ Params: { id: string } }>('/api/training-jobs/:id', { config: operator, schema: { tags, summary: 'cancel a training job', params: plain(JobParams) } }, async (req) => {
    const job = o.jobs.get(req.params.id);
    if (!job) throw new TakeoverError('TKO_ERR_NOT_FOUND', `training job '${req.params.id}' not found`);
    o.jobs.cancel(job.id);
    return view(job);
  });

  app.post<{ Params: { id: string }; Body: { version: string } }>(
    '/api/robots/:id/policy',
    { config: operator, schema: { tags, summary: 'load a version and switch the robot to it between two ticks', params: plain(RobotParams), body: plain(SwapBody) } },
    async (req) => {
      const robotId = req.params.id;
      if (!o.hasRobot(robotId)) throw new TakeoverError('TKO_ERR_UNKNOWN_ROBOT', `robot '${robotId}' not found`);
      try {
        // a version another server's job made comes from the shared store
        await o.syncVersion?.(req.body.version);
        o.registry.manifest(req.body.version);
      } catch (err) {
        throw new TakeoverError('TKO_ERR_NOT_FOUND', said(err));
      }
      // load and warm beside the loop; the switch itself falls between two ticks
      const { previous } = await o.assignPolicy(robotId, req.body.version);
      return { robotId, version: req.body.version, previous };
    },
  );
};

import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { RecordIdSchema } from '../../core/safe-name.ts';
import { TakeoverError, withoutServerPaths } from '../errors.ts';
import { JobRefusedError, JobSpecSchema, JobViewSchema, type JobQueue, type JobSpec, type JobView } from '../jobs/job-spec.ts';

export interface JobsApiOptions {
  jobs: JobQueue;
  /** checked before queueing: a version the job needs exists (throws naming it) */
  checkSpec?: (spec: JobSpec) => Promise<void>;
  dataDir?: string;
}

/** A TypeBox schema as plain JSON Schema without `$id`s, so routes can embed it. */
function plain(schema: object): object {
  return JSON.parse(JSON.stringify(schema), (k, v) => (k === '$id' ? undefined : v));
}

const JobParams = Type.Object({ id: RecordIdSchema() });
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false });

/**
 * Jobs REST routes: submit (POST /api/jobs, 202), list, get, cancel (DELETE). One interface for
 * both runners: in the server's process without a database, on the shared queue with one
 * (docs/deployment.md). Viewers read; operators submit and cancel.
 */
export const jobsApi: FastifyPluginAsync<JobsApiOptions> = async (app, o) => {
  const tags = ['jobs'];
  const view = (j: JobView): JobView => ({ ...j, error: j.error === null ? null : withoutServerPaths(j.error, o.dataDir) });
  const one = plain(JobViewSchema);

  app.post<{ Body: JobSpec }>('/api/jobs', { config: { role: 'operator' }, schema: { tags, summary: 'queue a training, evaluation or export job (202)', body: plain(JobSpecSchema), response: { 202: one } } }, async (req, reply) => {
    try {
      await o.checkSpec?.(req.body);
      const job = await o.jobs.submit(req.body);
      reply.code(202);
      return view(job);
    } catch (err) {
      if (err instanceof JobRefusedError) throw new TakeoverError('TKO_ERR_BAD_REQUEST', err.message);
      throw err;
    }
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/jobs',
    { config: { role: 'viewer' }, schema: { tags, summary: 'jobs, newest first', querystring: plain(ListQuery), response: { 200: plain(Type.Object({ runner: Type.String(), items: Type.Array(JobViewSchema) })) } } },
    async (req) => ({ runner: o.jobs.runner, items: (await o.jobs.list(req.query.limit ?? 100)).map(view) }),
  );

  app.get<{ Params: Static<typeof JobParams> }>('/api/jobs/:id', { config: { role: 'viewer' }, schema: { tags, summary: 'one job', params: plain(JobParams), response: { 200: one } } }, async (req) => {
    const job = await o.jobs.get(req.params.id);
    if (!job) throw new TakeoverError('TKO_ERR_NOT_FOUND', `job '${req.params.id}' not found`);
    return view(job);
  });

  app.delete<{ Params: Static<typeof JobParams> }>('/api/jobs/:id', { config: { role: 'operator' }, schema: { tags, summary: 'cancel a queued or running job', params: plain(JobParams), response: { 200: one } } }, async (req) => {
    const job = await o.jobs.cancel(req.params.id);
    if (!job) throw new TakeoverError('TKO_ERR_NOT_FOUND', `job '${req.params.id}' not found`);
    return view(job);
  });
};

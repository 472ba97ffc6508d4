import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsApi } from '../../../server/api/jobs.ts';
import { routeRoles } from '../../../server/api/route-roles.ts';
import { InProcessJobs } from '../../../server/jobs/in-process-jobs.ts';
import { TrainingJobManager, type WorkerLike } from '../../../policies/training-jobs.ts';

/** A training worker double that never finishes on its own (the test cancels it). */
const idleWorker = (): WorkerLike => ({ on: () => undefined, postMessage: () => {}, terminate: async () => 0 });

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  // role checks are route-roles' own tests: here every caller is an operator
  await app.register(routeRoles, { requireRole: () => async () => {} });
  const manager = new TrainingJobManager({ dataDir: '/nonexistent', workerFactory: idleWorker });
  await app.register(jobsApi, { jobs: new InProcessJobs(manager, 'cell-a') });
  await app.ready();
});
afterAll(() => app?.close());

describe('jobs API without a database (in-process runner)', () => {
  it('queues a training job, lists, gets and cancels it', async () => {
    const post = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'training', training: { episodes: 'all', weighting: 'none', epochs: 1 } } });
    expect(post.statusCode).toBe(202);
    const job = post.json();
    expect(job).toMatchObject({ kind: 'training', status: 'running', serverId: 'cell-a', runner: 'in-process' });
    expect((await app.inject({ method: 'GET', url: '/api/jobs' })).json()).toMatchObject({ runner: 'in-process', items: [{ id: job.id }] });
    expect((await app.inject({ method: 'GET', url: `/api/jobs/${job.id}` })).json().id).toBe(job.id);
    expect((await app.inject({ method: 'DELETE', url: `/api/jobs/${job.id}` })).json().status).toBe('cancelled');
    expect((await app.inject({ method: 'GET', url: '/api/jobs/nope' })).statusCode).toBe(404);
  });

  it('refuses an evaluation, an export and a loop (they need a worker) and a spec of no known kind or format, naming why', async () => {
    const ev = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'evaluation', evaluation: { version: 'default', task: 'place', episodes: 3 } } });
    expect(ev.statusCode).toBe(400);
    expect(ev.json().message).toMatch(/evaluation jobs run on a job worker: start the server with --database/);
    const ex = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'export', export: { episodes: 'all', format: 'lerobot' } } });
    expect(ex.statusCode).toBe(400);
    expect(ex.json().message).toMatch(/export jobs run on a job worker: start the server with --database .*; without a database, `takeover export` runs it on this machine/);
    const loop = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'loop', loop: { task: 'place', rounds: 1 } } });
    expect(loop.statusCode).toBe(400);
    expect(loop.json().message).toMatch(/loop jobs run on a job worker: .*; without a database, `takeover loop` runs it on this machine/);
    const badLoop = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'loop', loop: { task: 'stack' } } });
    expect(badLoop.statusCode).toBe(400);
    const bad = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'export' } });
    expect(bad.statusCode).toBe(400);
    const format = await app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'export', export: { episodes: 'all', format: 'csv' } } });
    expect(format.statusCode).toBe(400);
    expect(format.json().message).toMatch(/format/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { initBackend } from '../../policies/backend.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime, type RobotPolicySlot } from '../../policies/policy-runtime.ts';
import { TrainingJobManager, type WorkerFactory, type WorkerLike } from '../../policies/training-jobs.ts';
import { policiesApi } from '../../server/api/policies.ts';
import { routeRoles } from '../../server/api/route-roles.ts';
import { sampleObservation, smallPolicy } from './policy-test-fixtures.ts';

/** A worker test double: reports one progress message and a failure, without training. */
const failingWorkerDouble: WorkerFactory = () => {
  const handlers: Record<string, ((x: unknown) => void)[]> = {};
  const w: WorkerLike = {
    on(event: string, fn: (x: never) => void) {
      (handlers[event] ??= []).push(fn as (x: unknown) => void);
      return w;
    },
    postMessage() {},
    terminate: async () => 0,
  } as WorkerLike;
  setImmediate(() => {
    handlers.message?.forEach((f) => f({ type: 'progress', progress: { phase: 'loading', done: 0, total: 0 } }));
    handlers.message?.forEach((f) => f({ type: 'error', message: 'test double: no data' }));
  });
  return w;
};

let app: FastifyInstance;
const allowAll = () => async () => {};
let dataDir: string;
const slots = new Map<string, RobotPolicySlot>();

describe('policies API', () => {
  beforeAll(async () => {
    await initBackend({ force: '' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-api-'));
    const registry = new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'none') });
    for (const seed of [1, 2]) {
      const { manifest, weights } = smallPolicy(seed);
      await registry.create(manifest, weights);
    }
    const runtime = new PolicyRuntime({ source: registry });
    const jobs = new TrainingJobManager({ dataDir, workerFactory: failingWorkerDouble });
    app = Fastify();
    await app.register(routeRoles, { requireRole: allowAll });
    await app.register(policiesApi, {
      registry, jobs,
      hasRobot: (id) => id === 'sim-1',
      // the control side's part (server/control-plane/policy-host.ts), here on the runtime directly
      assignPolicy: async (id, version) => {
        const previous = runtime.versionOf(id);
        await runtime.assign(id, version);
        slots.set(id, runtime.slotFor(id));
        return { previous };
      },
      runtimeStats: async () => ({ ...runtime.stats(), description: 'test' }),
    });
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists versions with the backend in use', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/policies' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.items.map((i: { version: string }) => i.version)).toEqual(['v1', 'v2']);
    expect(body.backend.candidate).toBe('wasm');
    expect((await app.inject({ method: 'GET', url: '/api/policies/v2' })).json().version).toBe('v2');
    expect((await app.inject({ method: 'GET', url: '/api/policies/v7' })).statusCode).toBe(404);
  });

  it('swaps the version a robot runs, and refuses unknown robots and versions', async () => {
    let r = await app.inject({ method: 'POST', url: '/api/robots/sim-1/policy', payload: { version: 'v1' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ robotId: 'sim-1', version: 'v1', previous: null });
    const slot = slots.get('sim-1')!;
    expect(slot.propose(sampleObservation() as never, Infinity)).not.toBeNull();
    expect(slot.version).toBe('v1');
    r = await app.inject({ method: 'POST', url: '/api/robots/sim-1/policy', payload: { version: 'v2' } });
    expect(r.json().previous).toBe('v1');
    // switched between ticks: the slot names the new version before its next tick (a policy_swap event records it)
    expect(slot.version).toBe('v2');
    expect(slot.propose(sampleObservation() as never, Infinity)).not.toBeNull();
    expect((await app.inject({ method: 'POST', url: '/api/robots/arm-9/policy', payload: { version: 'v1' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/robots/sim-1/policy', payload: { version: 'v9' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/robots/sim-1/policy', payload: {} })).statusCode).toBe(400);
  });

  it('starts a training job and reports its status by id', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/training-jobs', payload: { episodes: 'task=place', weighting: 'sirius', epochs: 2 } });
    expect(r.statusCode).toBe(202);
    const id = r.json().id;
    expect(['queued', 'running']).toContain(r.json().status);
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setImmediate(res));
    const g = await app.inject({ method: 'GET', url: `/api/training-jobs/${id}` });
    expect(g.json()).toMatchObject({ id, status: 'failed', error: 'test double: no data' });
    expect((await app.inject({ method: 'GET', url: '/api/training-jobs/nope' })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'POST', url: '/api/training-jobs', payload: { episodes: 'all', weighting: 'dagger' } });
    expect(bad.statusCode).toBe(400);
  });
});

import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { ControlPlane } from './control-plane/control-plane.ts';
import type { JobsConfig, ObjectStoreConfig } from './config/config-schema.ts';

/** What the server closes on shutdown. */
export interface PolicyServices {
  close(): Promise<void>;
}

/** The shared database, when the server has one: versions and jobs live there. */
export interface SharedPolicies {
  pool: pg.Pool;
  url: string;
  serverId: string;
  jobs?: JobsConfig;
}

/**
 * Registers the policies API (versions, training jobs, hot swap of a robot's version) and the jobs
 * API with the registry and a job runner: in-process without a database, the shared queue with
 * one (then versions come from the shared store: each is written into this server's registry
 * folder before it is listed or loaded). In-process training reads uploaded journals through
 * `objectStore` when they are gone from `dataDir`. The versions robots run are loaded on the control side
 * (server/control-plane/policy-host.ts); a swap asks it. Imported lazily: tfjs loads only here.
 */
export async function setupPolicies(app: FastifyInstance, control: ControlPlane, dataDir: string, serverId: string, shared?: SharedPolicies, objectStore?: ObjectStoreConfig): Promise<PolicyServices> {
  const [{ PolicyRegistry }, { TrainingJobManager }, { policiesApi }, { jobsApi }, { InProcessJobs }] = await Promise.all([
    import('../policies/policy-registry.ts'), import('../policies/training-jobs.ts'), import('./api/policies.ts'), import('./api/jobs.ts'), import('./jobs/in-process-jobs.ts'),
  ]);
  const registry = new PolicyRegistry({ dataDir });
  const manager = new TrainingJobManager({ dataDir, objectStore });
  let store: import('../policies/pg-policy-store.ts').PgPolicyStore | null = null;
  let jobs: import('./jobs/job-spec.ts').JobQueue;
  if (shared) {
    const [{ PgPolicyStore }, { PgJobQueue }] = await Promise.all([import('../policies/pg-policy-store.ts'), import('./jobs/pg-job-queue.ts')]);
    store = await PgPolicyStore.open(shared.pool, shared.serverId);
    jobs = await PgJobQueue.open(shared.pool, shared.url, shared.serverId, { retries: shared.jobs?.retries, timeoutSeconds: shared.jobs?.timeoutSeconds });
  } else jobs = new InProcessJobs(manager, serverId);
  const sync = store;
  await app.register(policiesApi, {
    registry, jobs: manager,
    hasRobot: (id) => control.has(id),
    assignPolicy: (id, version) => control.assignPolicy(id, version),
    runtimeStats: () => control.policyStats(),
    dataDir,
    ...(sync ? { syncAll: async () => void (await sync.syncInto(registry)), syncVersion: async (v: string) => void (await sync.materialize(registry, v)) } : {}),
  });
  await app.register(jobsApi, {
    jobs, dataDir,
    checkSpec: async (spec) => {
      // an export needs no version (its query is checked by the queue); a loop starts from a shipped one, checked on the worker
      if (spec.kind === 'export' || spec.kind === 'loop') return;
      const { JobRefusedError } = await import('./jobs/job-spec.ts');
      const version = spec.kind === 'training' ? spec.training.parentVersion : spec.evaluation.version;
      if (!version) return;
      if (sync) await sync.materialize(registry, version);
      try {
        registry.manifest(version);
      } catch (err) {
        throw new JobRefusedError((err as Error).message);
      }
    },
  });
  return {
    async close() {
      await jobs.close();
      await manager.close();
    },
  };
}

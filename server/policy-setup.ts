import type { FastifyInstance } from 'fastify';
import type { ControlPlane } from './control-plane/control-plane.ts';

/** What the server closes on shutdown. */
export interface PolicyServices {
  close(): Promise<void>;
}

/**
 * Registers the policies API (versions, training jobs, hot swap of a robot's version) with its
 * registry and job manager. The versions robots run are loaded on the control side
 * (server/control-plane/policy-host.ts); a swap asks it. Imported lazily: tfjs loads only here.
 */
export async function setupPolicies(app: FastifyInstance, control: ControlPlane, dataDir: string): Promise<PolicyServices> {
  const [{ PolicyRegistry }, { TrainingJobManager }, { policiesApi }] = await Promise.all([
    import('../policies/policy-registry.ts'), import('../policies/training-jobs.ts'), import('./api/policies.ts'),
  ]);
  const registry = new PolicyRegistry({ dataDir });
  const jobs = new TrainingJobManager({ dataDir });
  await app.register(policiesApi, {
    registry, jobs,
    hasRobot: (id) => control.has(id),
    assignPolicy: (id, version) => control.assignPolicy(id, version),
    runtimeStats: () => control.policyStats(),
    dataDir,
  });
  return { close: () => jobs.close() };
}

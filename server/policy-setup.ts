import type { FastifyInstance } from 'fastify';
import type { RobotConfig } from './config/config-schema.ts';
import { TakeoverError } from './errors.ts';
import type { Fleet } from './robots/fleet.ts';

/** What the status page says about policies once the runtime is up. */
export interface PolicyServices {
  backend(): string;
  close(): Promise<void>;
}

/**
 * Registers the policies API (versions, training jobs, hot swap of a robot's version) with its
 * registry, job manager and runtime. Imported lazily: tfjs loads only when policies are served.
 */
export async function setupPolicies(app: FastifyInstance, fleet: Fleet, dataDir: string, robots: readonly RobotConfig[] = []): Promise<PolicyServices> {
  const [{ PolicyRegistry }, { TrainingJobManager }, { PolicyRuntime }, { policiesApi }, { backendInfo, describeBackend }] = await Promise.all([
    import('../policies/policy-registry.ts'), import('../policies/training-jobs.ts'), import('../policies/policy-runtime.ts'),
    import('./api/policies.ts'), import('../policies/backend.ts'),
  ]);
  const registry = new PolicyRegistry({ dataDir });
  const jobs = new TrainingJobManager({ dataDir });
  const runtime = new PolicyRuntime({ source: registry });
  // robots configured to start on a learned version get it now, before the loops start ticking
  for (const r of robots) {
    if (!r.policy || r.policy === 'expert' || r.policy === 'idle') continue;
    let manifest;
    try {
      manifest = await runtime.assign(r.id, r.policy);
    } catch (err) {
      throw new TakeoverError('TKO_ERR_CONFIG', `robot '${r.id}': policy '${r.policy}' could not be loaded: ${(err as Error).message}`);
    }
    const task = fleet.get(r.id).task;
    if (manifest.task && manifest.task !== task) {
      throw new TakeoverError('TKO_ERR_CONFIG', `robot '${r.id}': policy '${r.policy}' was trained for task '${manifest.task}', the robot runs '${task}'`);
    }
    fleet.get(r.id).loop.policy = runtime.slotFor(r.id);
  }
  await app.register(policiesApi, {
    registry, jobs, runtime,
    hasRobot: (id) => fleet.robots.has(id),
    // called between two ticks (the runtime swaps versions at a tick boundary itself)
    attachPolicy: (id, slot) => {
      const loop = fleet.get(id).loop;
      loop.policy = slot;
      // the swap is part of the episode's story: steps after it carry the new version
      loop.episodes.event({ type: 'policy_swap', t: loop.obs?.t ?? 0, step: (loop.episode?.step ?? 0) - 1, policyVersion: slot.version });
    },
    requireRole: app.requireRole,
  });
  return {
    backend: () => {
      const st = runtime.stats();
      const versions = st.loaded.length ? `versions ${st.loaded.join(', ')}` : 'no learned version loaded';
      // the 'auto' engine runs batch-1 inference in plain JS, so tfjs may never have started
      return `${versions}; inference engine ${st.engine}; ${backendInfo() ? describeBackend() : 'tfjs backend not initialised'}`;
    },
    close: () => jobs.close(),
  };
}

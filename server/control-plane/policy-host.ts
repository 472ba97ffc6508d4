import type { RobotConfig } from '../config/config-schema.ts';
import { TakeoverError } from '../errors.ts';
import type { Fleet } from '../robots/fleet.ts';
import { checkPolicyFits, observationSupplyOf } from '../robots/observation-supply.ts';
import type { PolicyRuntime } from '../../policies/policy-runtime.ts';

/** Whether a robot's configured policy is a learned version (not the scripted expert, not idle). */
export function isLearnedPolicy(policy: string | undefined): policy is string {
  return !!policy && policy !== 'expert' && policy !== 'idle';
}

/** What the status page and GET /api/policies say about the runtime that drives the robots. */
export interface PolicyRuntimeStats {
  engine: string;
  loaded: string[];
  robots: Record<string, string>;
  swaps: number;
  /** one line for the status page: versions, engine, tfjs backend */
  description: string;
}

/**
 * The learned policies the loops run, on the loops' own thread: a PolicyRuntime loading versions
 * from the data dir's registry. Loaded lazily, so tfjs starts only when a robot runs a learned version.
 */
export class PolicyHost {
  #dataDir: string;
  #runtime: Promise<PolicyRuntime> | null = null;

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  #rt(): Promise<PolicyRuntime> {
    this.#runtime ??= (async () => {
      const [{ PolicyRegistry }, { PolicyRuntime }] = await Promise.all([import('../../policies/policy-registry.ts'), import('../../policies/policy-runtime.ts')]);
      return new PolicyRuntime({ source: new PolicyRegistry({ dataDir: this.#dataDir }) });
    })();
    return this.#runtime;
  }

  /** Robots configured to start on a learned version get it, before their loops start (TKO_ERR_CONFIG when they cannot). */
  async assignConfigured(fleet: Fleet, robots: readonly RobotConfig[]): Promise<void> {
    for (const r of robots) {
      if (!isLearnedPolicy(r.policy)) continue;
      try {
        await this.assign(fleet, r.id, r.policy);
      } catch (err) {
        const msg = (err as Error).message;
        const code = err instanceof TakeoverError ? err.code : null;
        throw new TakeoverError('TKO_ERR_CONFIG', code === 'TKO_ERR_CONFIG' ? msg
          : code === 'TKO_ERR_POLICY_INCOMPATIBLE' ? `${code}: ${msg}` : `robot '${r.id}': policy '${r.policy}' could not be loaded: ${msg}`);
      }
    }
  }

  /**
   * Loads and warms `version` beside the loop, then switches the robot's slot between two ticks.
   * Refused (TKO_ERR_CONFIG) when the version was trained for another task than the robot runs,
   * and (TKO_ERR_POLICY_INCOMPATIBLE, naming what is missing) when the robot cannot supply the
   * observation it reads: joints, object poses, frame.
   */
  async assign(fleet: Fleet, robotId: string, version: string): Promise<{ previous: string | null }> {
    const robot = fleet.get(robotId);
    const rt = await this.#rt();
    const previous = rt.versionOf(robotId);
    const manifest = await rt.load(version);
    if (manifest.task && manifest.task !== robot.task) {
      throw new TakeoverError('TKO_ERR_CONFIG', `robot '${robotId}': policy '${version}' was trained for task '${manifest.task}', the robot runs '${robot.task}'`);
    }
    checkPolicyFits(robotId, version, manifest.observation, observationSupplyOf(robot.loop.bridge));
    await rt.assign(robotId, version);
    robot.loop.setPolicy(rt.slotFor(robotId));
    return { previous };
  }

  /** Versions loaded, robots per version, swaps, and the backend line. */
  async stats(): Promise<PolicyRuntimeStats> {
    if (!this.#runtime) return { engine: 'none', loaded: [], robots: {}, swaps: 0, description: 'no learned version loaded' };
    const rt = await this.#runtime;
    const { backendInfo, describeBackend } = await import('../../policies/backend.ts');
    const st = rt.stats();
    const versions = st.loaded.length ? `versions ${st.loaded.join(', ')}` : 'no learned version loaded';
    // the 'auto' engine runs batch-1 inference in plain JS, so tfjs may never have started
    return { ...st, description: `${versions}; inference engine ${st.engine}; ${backendInfo() ? describeBackend() : 'tfjs backend not initialised'}` };
  }
}

import { ACTION_DIM } from '../core/action.ts';
import type { Observation } from '../core/observation.ts';
import type { ActionSource } from './action-source.ts';
import type { ArmSim } from './arm-sim.ts';
import { EeController } from './ee-controller.ts';

export interface RolloutOptions {
  seed: number;
  controlHz?: number;
  /** end early on success (default true) */
  stopOnSuccess?: boolean;
  /** called every control tick with the observation and the action that ran */
  onStep?(step: number, obs: Observation, action: Float64Array): void;
}

export interface RolloutResult {
  seed: number;
  success: boolean;
  steps: number;
  seconds: number;
  physicsSteps: number;
  /** IK solves that did not reach their target (clamped or unreachable) */
  ikMisses: number;
}

/**
 * Runs one episode of an action source in the simulator as fast as it can, on simulated time:
 * observe -> act -> EE controller (IK) -> physics for one control period.
 */
export function runEpisode(sim: ArmSim, source: ActionSource, opts: RolloutOptions): RolloutResult {
  const { seed, controlHz = 20, stopOnSuccess = true, onStep } = opts;
  const dt = 1 / controlHz;
  const physicsPerTick = Math.max(1, Math.round(dt / sim.physicsDt));
  sim.reset(seed);
  const ctrl = new EeController(sim.kinematics);
  const qTarget = new Float64Array(sim.kinematics.dof);
  const action = new Float64Array(ACTION_DIM);
  let obs = sim.observe();
  ctrl.reset(obs.q);
  source.reset?.(obs);
  const maxSteps = Math.ceil(sim.task.maxSeconds * controlHz);
  let steps = 0;
  let physicsSteps = 0;
  let ikMisses = 0;
  let success = false;
  while (steps < maxSteps) {
    const a = source.act(obs);
    for (let i = 0; i < ACTION_DIM; i++) action[i] = Number.isFinite(a[i]) ? Math.max(-1, Math.min(1, a[i])) : 0;
    const report = ctrl.step(action, dt, obs.q, qTarget);
    if (!report.converged) ikMisses++;
    sim.setCommand(qTarget, action[6]);
    onStep?.(steps, obs, action);
    sim.step(physicsPerTick);
    physicsSteps += physicsPerTick;
    steps++;
    obs = sim.observe();
    success = sim.success();
    if (success && stopOnSuccess) break;
  }
  return { seed, success, steps, seconds: steps * dt, physicsSteps, ikMisses };
}

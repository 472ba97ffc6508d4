import { DEFAULT_ACTION_SCALE, type ActionScale } from '../../core/action.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import { SimBridge } from '../robots/sim-bridge.ts';
import { simLimits } from '../robots/sim-limits.ts';
import type { ActionSource } from './action-source.ts';
import { ManualClock } from './clock.ts';
import { ControlLoop } from './control-loop.ts';
import type { RecorderPort } from './recorder-port.ts';
import type { HelpConfig } from './help-monitor.ts';

export interface SimLoopOptions {
  robotId: string;
  task: TaskName;
  controlHz?: number;
  policy?: ActionSource | null;
  recorder?: RecorderPort | null;
  actionScale?: ActionScale;
  newEpisodeId?: () => string;
  /** what the robot does while its policy asks for help (default: notify) */
  help?: HelpConfig;
}

/** A headless simulated robot: its loop, the manual clock that drives it, and its bridge. */
export interface SimLoop {
  loop: ControlLoop;
  clock: ManualClock;
  bridge: SimBridge;
}

/**
 * Builds the control loop of a simulated robot exactly as a configured sim robot gets it (same
 * limits, IK, safety filter, step limit), on a manual clock, for `runEpisodes`. The bridge is
 * connected; episodes do not start by themselves (the runner gives each its seed).
 */
export async function createSimLoop(o: SimLoopOptions): Promise<SimLoop> {
  const controlHz = o.controlHz ?? 20;
  const bridge = await SimBridge.create({ id: o.robotId, task: o.task });
  await bridge.connect();
  const clock = new ManualClock();
  const loop = new ControlLoop({
    robotId: o.robotId, bridge, kinematics: bridge.kinematics, limits: simLimits(), clock, rateHz: controlHz,
    policy: o.policy ?? null, recorder: o.recorder ?? null, task: o.task, actionScale: o.actionScale ?? DEFAULT_ACTION_SCALE,
    stepLimit: Math.round(bridge.maxEpisodeSeconds * controlHz), autoReset: false, newEpisodeId: o.newEpisodeId, help: o.help,
  });
  return { loop, clock, bridge };
}

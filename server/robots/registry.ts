import type { ActionScale } from '../../core/action.ts';
import type { RobotConfig } from '../config/config-schema.ts';
import { fromActingSource, type ActionSource } from '../control/action-source.ts';
import type { ArmKinematics } from '../../sim/kinematics.ts';
import { TakeoverError } from '../errors.ts';
import { MockBridge } from './mock-bridge.ts';
import type { RosLogger } from './ros/ros-logger.ts';
import type { RobotBridge } from './robot-bridge.ts';
import { simLimits } from './sim-limits.ts';

/** Workspace box and EE step, as the safety filter takes them. */
export interface WorkspaceLimits {
  workspaceMin: [number, number, number];
  workspaceMax: [number, number, number];
  maxEeStep: number;
}

/** Everything a kind provides for one configured robot. */
export interface RobotParts {
  bridge: RobotBridge;
  kinematics: ArmKinematics;
  policy: ActionSource | null;
  task: string;
  /** steps per episode before a timeout (0 = none) at the given control rate */
  stepLimit: number;
  defaultLimits: WorkspaceLimits;
}

export interface RobotContext {
  controlRateHz: number;
  actionScale: ActionScale;
  /** this robot's lines in the server's structured log */
  log?: RosLogger;
}

type Factory = (cfg: RobotConfig, ctx: RobotContext) => Promise<RobotParts>;

/** kind -> factory. The only switch on `kind` in the server . */
const KINDS: Record<RobotConfig['kind'], Factory> = {
  async sim(cfg, ctx) {
    // Imported lazily: MuJoCo's WASM loads only when a sim robot is configured.
    const [{ SimBridge }, { ScriptedExpert }, { TASK_NAMES }] = await Promise.all([
      import('./sim-bridge.ts'), import('../../sim/scripted-expert.ts'), import('../../sim/tasks/task-registry.ts'),
    ]);
    const task = cfg.task ?? 'place';
    if (!(TASK_NAMES as string[]).includes(task)) throw new TakeoverError('TKO_ERR_CONFIG', `robot '${cfg.id}': unknown sim task '${task}' (known: ${TASK_NAMES.join(', ')})`);
    const bridge = await SimBridge.create({ id: cfg.id, task: task as 'place', seed: cfg.seed ?? 0 });
    const policy = (cfg.policy ?? 'expert') === 'expert'
      ? fromActingSource(new ScriptedExpert(task as 'place', { controlHz: cfg.controlRateHz ?? ctx.controlRateHz, scale: ctx.actionScale }))
      : null;
    return {
      bridge, kinematics: bridge.kinematics, policy, task,
      stepLimit: Math.round(bridge.maxEpisodeSeconds * (cfg.controlRateHz ?? ctx.controlRateHz)),
      defaultLimits: simLimits(),
    };
  },
  async ros(cfg, ctx) {
    // Imported lazily: roslib and MuJoCo load only when a ROS arm is configured.
    const { RosBridge } = await import('./ros-bridge.ts');
    if (!cfg.ros) throw new TakeoverError('TKO_ERR_CONFIG', `robot '${cfg.id}': kind 'ros' needs a 'ros' section (docs/ros.md)`);
    const bridge = await RosBridge.create(cfg.id, cfg.ros, { log: ctx.log });
    return { bridge, kinematics: bridge.kinematics, policy: null, task: cfg.task ?? 'none', stepLimit: cfg.stepLimit ?? 0, defaultLimits: bridge.defaultLimits() };
  },
  async mock(cfg, ctx) {
    const bridge = new MockBridge({ id: cfg.id });
    return {
      bridge, kinematics: bridge.kinematics, policy: null, task: cfg.task ?? 'reach',
      stepLimit: Math.round(10 * (cfg.controlRateHz ?? ctx.controlRateHz)),
      defaultLimits: { workspaceMin: [0.2, -0.4, 0.05], workspaceMax: [0.8, 0.4, 0.7], maxEeStep: 0.05 },
    };
  },
};

/** Builds the parts of one configured robot. */
export async function createRobot(cfg: RobotConfig, ctx: RobotContext): Promise<RobotParts> {
  const make = KINDS[cfg.kind];
  if (!make) throw new TakeoverError('TKO_ERR_CONFIG', `robot '${cfg.id}': unknown kind '${String(cfg.kind)}'`);
  return make(cfg, ctx);
}

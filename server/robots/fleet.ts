import type { ActionScale } from '../../core/action.ts';
import type { TakeoverConfig } from '../config/config-schema.ts';
import type { Clock } from '../control/clock.ts';
import { ControlLoop } from '../control/control-loop.ts';
import type { RecorderPort } from '../control/recorder-port.ts';
import { TickScheduler } from '../control/tick-scheduler.ts';
import { TakeoverError } from '../errors.ts';
import type { ModelDescription } from '../../protocol/model-description.ts';
import type { RobotInfo } from '../../protocol/messages.ts';
import { isDescribed } from './bridge-extras.ts';
import { PolicyErrorLog } from '../control/policy-error-log.ts';
import { createRobot, type WorkspaceLimits } from './registry.ts';
import { robotLogger, type RobotLogSink } from './ros/ros-logger.ts';

/** One configured robot at run time. */
export interface RobotRuntime {
  id: string;
  kind: string;
  task: string;
  loop: ControlLoop;
  limits: WorkspaceLimits;
  actionScale: ActionScale;
  model: ModelDescription | null;
}

export interface FleetOptions {
  clock: Clock;
  recorder?: RecorderPort | null;
  /** log sink for tick failures */
  onError?: (robotId: string, err: unknown) => void;
  /** TickScheduler's busy-wait before each due tick, ms (default 1) */
  spinMs?: number;
  /** every robot starts PAUSED with this reason (after an unclean shutdown) */
  startPaused?: string;
  /** the server's structured log: bridge lines (ROS) and policy errors (rate-limited) */
  log?: RobotLogSink;
}

/** The robots this server drives: their bridges, loops and (on the wall clock) the scheduler. */
export class Fleet {
  readonly robots = new Map<string, RobotRuntime>();
  readonly scheduler: TickScheduler;
  #started = false;

  private constructor(clock: Clock, onError: (robotId: string, err: unknown) => void, spinMs?: number) {
    this.scheduler = new TickScheduler({
      clock,
      spinMs,
      onError: (loop, err) => {
        const l = loop as ControlLoop;
        onError(l.robotId, err);
        // A tick that throws is a fault: stop the robot (latched) rather than run on blind.
        try { l.request({ type: 'estop', actor: null, reason: `tick failed: ${(err as Error)?.message ?? String(err)}` }); } catch { /* already reported */ }
      },
    });
  }

  /** Builds every configured robot (bridges not yet connected). */
  static async create(config: TakeoverConfig, { clock, recorder = null, onError = () => {}, spinMs, startPaused, log }: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(clock, onError, spinMs);
    for (const rc of config.robots) {
      const rate = rc.controlRateHz ?? config.controlRateHz;
      const parts = await createRobot(rc, { controlRateHz: rate, actionScale: config.actionScale, log: log ? robotLogger(log, rc.id) : undefined });
      const policyErrors = new PolicyErrorLog(clock, (msg) => log?.('warn', msg, rc.id));
      const limits: WorkspaceLimits = {
        workspaceMin: (rc.limits?.workspaceMin ?? config.limits.workspaceMin ?? parts.defaultLimits.workspaceMin) as WorkspaceLimits['workspaceMin'],
        workspaceMax: (rc.limits?.workspaceMax ?? config.limits.workspaceMax ?? parts.defaultLimits.workspaceMax) as WorkspaceLimits['workspaceMax'],
        maxEeStep: rc.limits?.maxEeStep ?? config.limits.maxEeStep ?? parts.defaultLimits.maxEeStep,
      };
      const loop = new ControlLoop({
        robotId: rc.id, bridge: parts.bridge, kinematics: parts.kinematics, limits, clock, rateHz: rate,
        policy: parts.policy, actionScale: config.actionScale, heartbeatTimeout: config.heartbeatTimeoutMs / 1000,
        policyDeadline: config.policyDeadlineMs !== undefined ? config.policyDeadlineMs / 1000 : undefined,
        task: parts.task, seed: rc.seed ?? 0, stepLimit: rc.stepLimit ?? parts.stepLimit, recorder,
        estopReset: config.estopReset, startPaused, onPolicyError: (msg, count) => policyErrors.report(msg, count), help: rc.help,
      });
      const model = isDescribed(parts.bridge) ? parts.bridge.modelDescription() : null;
      fleet.robots.set(rc.id, { id: rc.id, kind: rc.kind, task: parts.task, loop, limits, actionScale: config.actionScale, model });
    }
    return fleet;
  }

  /** The robot or TKO_ERR_UNKNOWN_ROBOT. */
  get(id: string): RobotRuntime {
    const r = this.robots.get(id);
    if (!r) throw new TakeoverError('TKO_ERR_UNKNOWN_ROBOT', `no robot '${id}'`);
    return r;
  }

  /** Connects every bridge and starts the first episodes; with `schedule`, runs the loops on the wall clock. */
  async start({ schedule }: { schedule: boolean }): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const r of this.robots.values()) {
      if (!r.loop.bridge.isConnected) await r.loop.bridge.connect();
      r.loop.start();
    }
    if (schedule) {
      this.scheduler.add([...this.robots.values()].map((r) => r.loop));
      this.scheduler.start();
    }
  }

  /** One tick of every loop, in order (manual clocks: tests, faster-than-real-time runs). */
  tickAll(): void {
    for (const r of this.robots.values()) r.loop.tick();
  }

  /** Stops the scheduler and holds and disconnects every arm. */
  async stop(): Promise<void> {
    this.scheduler.stop();
    for (const r of this.robots.values()) {
      try {
        if (r.loop.bridge.isConnected) r.loop.bridge.hold();
      } finally {
        await r.loop.bridge.disconnect();
      }
    }
  }

  /** What server_info and GET /api/robots/:id say about a robot. */
  info(id: string): RobotInfo {
    const r = this.get(id);
    const f = r.loop.bridge.features;
    return {
      id: r.id, kind: r.kind, task: r.task, controlRateHz: 1 / r.loop.dt,
      jointNames: [...f.jointNames], lower: Array.from(f.lower), upper: Array.from(f.upper), velocityLimit: Array.from(f.velocityLimit),
      gripperRange: [...f.gripperRange], eeName: f.eeName, capabilities: { ...r.loop.bridge.capabilities },
      workspace: { min: [...r.limits.workspaceMin], max: [...r.limits.workspaceMax] }, maxEeStep: r.limits.maxEeStep,
      actionScale: { ...r.actionScale },
      policy: r.loop.policy ? { name: r.loop.policy.name, version: r.loop.policy.version } : null,
      model: r.model,
    };
  }
}

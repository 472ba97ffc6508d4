import type { TakeoverConfig } from '../config/config-schema.ts';
import type { Actor } from '../control/arbiter.ts';
import type { Clock } from '../control/clock.ts';
import type { LoopEvent, Refusal } from '../control/control-loop.ts';
import type { RecorderPort } from '../control/recorder-port.ts';
import { executeCommand, type RobotCommand } from '../control/robot-command.ts';
import { TakeoverError } from '../errors.ts';
import { Fleet } from '../robots/fleet.ts';
import type { RobotLogSink } from '../robots/ros/ros-logger.ts';
import type { RobotInfo } from '../../protocol/messages.ts';
import { FrameCollector, type EncodedFrame } from './frame-collector.ts';
import { isLearnedPolicy, PolicyHost, type PolicyRuntimeStats } from './policy-host.ts';
import { OncePerKey } from './once-per-key.ts';
import { GcPauses } from './gc-pauses.ts';
import { ThreadOsStats } from './thread-os-stats.ts';
import { TeleopPath } from './teleop-path.ts';
import { robotStatus, type RobotStatus } from './robot-status.ts';
import { threadFigures, type ThreadFigures } from './thread-figures.ts';

/** Raw timing samples of every loop (benchmarks pool them across robots). */
export interface ControlSamples {
  jitterMs: number[];
  commandLatencyMs: number[];
  rateHz: number[];
  overruns: number;
}

/** The control side's answer to a status request. */
export interface ControlStatus {
  robots: RobotStatus[];
  schedulerOverruns: number;
  /** the control thread's wake-ups, tick times and collections over the window */
  thread: ThreadFigures;
}

export interface ControlHostOptions {
  clock: Clock;
  recorder: RecorderPort | null;
  /** built state frames, after ticks */
  onFrames: (frames: EncodedFrame[]) => void;
  /** mode, episode and rewind events */
  onEvent: (e: LoopEvent) => void;
  /** tick failures (the robot is e-stopped) */
  onError: (robotId: string, err: unknown) => void;
  /** only robots someone watches get frames built (default: all) */
  watched?: (robot: string) => boolean;
  spinMs?: number;
  coalesceMs?: number;
  /** learned policies may be loaded (tfjs) */
  policies: boolean;
  /** every robot starts PAUSED with this reason (after an unclean shutdown) */
  startPaused?: string;
  /** the server's structured log (bridge lines, policy errors) */
  log?: RobotLogSink;
}

/**
 * Everything that runs on the control thread: the fleet's bridges and loops, their scheduler, the
 * policies they run, and the state frames they produce. Its surface is explicit operations
 * (commands, signs of life, status, policy swaps); nothing outside reaches into a loop. Run
 * in-process (tests, simulated time) by server/control-plane/local-control.ts, or on a worker
 * thread by server/control-plane/control-worker.ts.
 */
export class ControlHost {
  readonly fleet: Fleet;
  readonly frames: FrameCollector;
  readonly #policies: PolicyHost | null;
  readonly #gc = new GcPauses();
  // created on the thread that runs the loops: the counters are that thread's
  readonly #os = new ThreadOsStats();
  /** the legs of each teleop's latency (recorded by the dispatcher) */
  readonly teleopPath = new TeleopPath();
  /** e-stop and pause presses seen (per robot) and their answers, so that a press's second copy does not act again */
  readonly #presses = new OncePerKey<Refusal | null>(1024);

  private constructor(fleet: Fleet, frames: FrameCollector, policies: PolicyHost | null) {
    this.fleet = fleet;
    this.frames = frames;
    this.#policies = policies;
  }

  /** Builds the robots (bridges not yet connected) and assigns configured learned policies. */
  static async create(config: TakeoverConfig, o: ControlHostOptions): Promise<ControlHost> {
    const learned = config.robots.filter((r) => isLearnedPolicy(r.policy));
    if (!o.policies && learned.length) {
      throw new TakeoverError('TKO_ERR_CONFIG', `robot '${learned[0].id}' runs policy '${learned[0].policy}', but policies are switched off`);
    }
    const fleet = await Fleet.create(config, { clock: o.clock, recorder: o.recorder, spinMs: o.spinMs, onError: o.onError, startPaused: o.startPaused, log: o.log });
    // With many robots, frames wait up to a quarter of the fastest period so that several robots'
    // frames leave in one write per viewer; with a few, they go right after each tick.
    const fastest = Math.max(...config.robots.map((r) => r.controlRateHz ?? config.controlRateHz), config.controlRateHz);
    const frames = new FrameCollector({
      emit: o.onFrames, coalesceMs: o.coalesceMs ?? (config.robots.length > 4 ? 250 / fastest : 0), watched: o.watched,
      onWork: (sec, what) => {
        const f = fleet.scheduler.figures;
        f.worked(sec, performance.now() / 1000);
        if (sec > f.slowFloorS) f.noteSlow(what, sec);
      },
    });
    for (const r of fleet.robots.values()) {
      frames.attach(r);
      r.loop.on('event', o.onEvent);
    }
    const policies = o.policies ? new PolicyHost(config.dataDir) : null;
    await policies?.assignConfigured(fleet, config.robots);
    return new ControlHost(fleet, frames, policies);
  }

  /** Static descriptions of the robots (server_info, GET /api/robots/:id). */
  infos(): RobotInfo[] {
    return [...this.fleet.robots.keys()].map((id) => this.fleet.info(id));
  }

  /** Executes an operator's command on a robot; the refusal, or null. */
  command(robot: string, actor: Actor, cmd: RobotCommand, receivedAtMs?: number): Refusal | null {
    const r = this.fleet.robots.get(robot);
    if (!r) return { code: 'TKO_ERR_UNKNOWN_ROBOT', message: `no robot '${robot}'` };
    // the second copy of a press (it came on the other socket) gets the first copy's answer: acting
    // again could undo a reset or a resume made in between
    if ((cmd.type === 'estop' || cmd.type === 'pause') && cmd.press !== undefined) {
      return this.#presses.run(`${robot}\u0000${cmd.type}\u0000${cmd.press}`, () => executeCommand(r.loop, actor, cmd, receivedAtMs));
    }
    return executeCommand(r.loop, actor, cmd, receivedAtMs);
  }

  /** A sign of life from an operator: the watchdogs of the robots it holds are fed. */
  alive(operatorId: string): void {
    for (const r of this.fleet.robots.values()) r.loop.heartbeat(operatorId);
  }

  /** A frame from this operator failed to decode: robots it drives hold. */
  badInput(operatorId: string): void {
    for (const r of this.fleet.robots.values()) if (r.loop.lease === operatorId) r.loop.badInput(operatorId);
  }

  /** The operator's last connection closed: robots it held hold and free their lease. */
  gone(operatorId: string): void {
    for (const r of this.fleet.robots.values()) if (r.loop.lease === operatorId) r.loop.operatorGone(operatorId);
  }

  /** Live figures of one robot (TKO_ERR_UNKNOWN_ROBOT if unknown). */
  statusOf(robot: string): RobotStatus {
    return robotStatus(this.fleet.get(robot));
  }

  /** Live figures of every robot. */
  status(): ControlStatus {
    return { robots: [...this.fleet.robots.values()].map(robotStatus), schedulerOverruns: this.fleet.scheduler.overruns, thread: this.threadFigures() };
  }

  /** Where the control thread's time went since the last reset. */
  threadFigures(): ThreadFigures {
    return threadFigures(this.fleet.scheduler.figures.read(), this.#gc.read(), this.#os.read(), this.teleopPath.read());
  }

  /** The loops' jitter and latency samples since the last reset; `reset` starts a new window. */
  samples(reset: boolean): ControlSamples {
    const loops = [...this.fleet.robots.values()].map((r) => r.loop);
    const out: ControlSamples = {
      jitterMs: loops.flatMap((l) => Array.from(l.rate.jitter.values(), (s) => s * 1000)),
      commandLatencyMs: loops.flatMap((l) => Array.from(l.commandLatencyMs.values())),
      rateHz: loops.map((l) => l.rate.rateHz),
      overruns: this.fleet.scheduler.overruns,
    };
    if (reset) this.resetFigures();
    return out;
  }

  /** Starts a new measurement window: the loops' rings, the thread's figures, the collections. */
  resetFigures(): void {
    for (const r of this.fleet.robots.values()) { r.loop.rate.jitter.clear(); r.loop.commandLatencyMs.clear(); }
    this.fleet.scheduler.figures.reset();
    this.#gc.reset();
    this.#os.reset();
    this.teleopPath.reset();
  }

  /** Swaps the learned version a robot runs (TKO_ERR_CONFIG with policies off or a task mismatch). */
  async assignPolicy(robotId: string, version: string): Promise<{ previous: string | null; info: RobotInfo }> {
    if (!this.#policies) {
      throw new TakeoverError('TKO_ERR_CONFIG', 'policies are switched off on this server');
    }
    const { previous } = await this.#policies.assign(this.fleet, robotId, version);
    return { previous, info: this.fleet.info(robotId) };
  }

  /** The policy runtime's figures (null with policies off). */
  async policyStats(): Promise<PolicyRuntimeStats | null> {
    return this.#policies ? this.#policies.stats() : null;
  }

  /** Connects the bridges and starts the first episodes; with `schedule`, runs the loops on the wall clock. */
  start(schedule: boolean): Promise<void> {
    // on the wall clock this is the control thread: its collections are its pauses
    if (schedule) this.#gc.start();
    return this.fleet.start({ schedule });
  }

  /** Stops ticking, then holds and disconnects every arm. */
  async stop(): Promise<void> {
    this.frames.close();
    this.#gc.stop();
    await this.fleet.stop();
  }
}

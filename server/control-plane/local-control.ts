import type { TakeoverConfig } from '../config/config-schema.ts';
import type { Actor } from '../control/arbiter.ts';
import type { Clock } from '../control/clock.ts';
import type { LoopEvent, Refusal } from '../control/control-loop.ts';
import type { RecorderPort } from '../control/recorder-port.ts';
import type { RobotCommand } from '../control/robot-command.ts';
import type { Fleet } from '../robots/fleet.ts';
import type { RobotLogSink } from '../robots/ros/ros-logger.ts';
import type { RobotInfo } from '../../protocol/messages.ts';
import { ControlHost, type ControlSamples, type ControlStatus } from './control-host.ts';
import type { ControlPlane } from './control-plane.ts';
import type { EncodedFrame } from './frame-collector.ts';
import type { PolicyRuntimeStats } from './policy-host.ts';

export interface LocalControlOptions {
  clock: Clock;
  schedule: boolean;
  recorder: RecorderPort | null;
  policies: boolean;
  spinMs?: number;
  coalesceMs?: number;
  watched?: (robot: string) => boolean;
  onError: (robotId: string, err: unknown) => void;
  /** every robot starts PAUSED with this reason */
  startPaused?: string;
  /** the server's structured log (bridge lines, policy errors) */
  log?: RobotLogSink;
}

/**
 * The control host on the caller's thread: for tests that tick a manual clock by hand and for
 * simulated-time runs. Commands are answered synchronously.
 */
export class LocalControl implements ControlPlane {
  readonly host: ControlHost;
  readonly robotIds: readonly string[];
  readonly running = true;
  readonly priority = null;
  #schedule: boolean;
  #frames: Array<(f: EncodedFrame[]) => void>;
  #events: Array<(e: LoopEvent) => void>;

  private constructor(host: ControlHost, schedule: boolean, frames: Array<(f: EncodedFrame[]) => void>, events: Array<(e: LoopEvent) => void>) {
    this.host = host;
    this.#frames = frames;
    this.#events = events;
    this.robotIds = [...host.fleet.robots.keys()];
    this.#schedule = schedule;
  }

  static async create(config: TakeoverConfig, o: LocalControlOptions): Promise<LocalControl> {
    const frames: Array<(f: EncodedFrame[]) => void> = [];
    const events: Array<(e: LoopEvent) => void> = [];
    const host = await ControlHost.create(config, {
      ...o,
      onFrames: (f) => { for (const fn of frames) fn(f); },
      onEvent: (e) => { for (const fn of events) fn(e); },
    });
    return new LocalControl(host, o.schedule, frames, events);
  }

  /** the in-process fleet (tests reach the loops through it) */
  get fleet(): Fleet {
    return this.host.fleet;
  }

  has(robot: string): boolean { return this.host.fleet.robots.has(robot); }
  info(robot: string): RobotInfo { return this.host.fleet.info(robot); }
  command(robot: string, actor: Actor, cmd: RobotCommand, receivedAtMs: number): Refusal | null {
    return this.host.command(robot, actor, cmd, receivedAtMs);
  }
  alive(operatorId: string): void { this.host.alive(operatorId); }
  badInput(operatorId: string): void { this.host.badInput(operatorId); }
  gone(operatorId: string): void { this.host.gone(operatorId); }
  async status(): Promise<ControlStatus> { return this.host.status(); }
  async samples(reset: boolean): Promise<ControlSamples> { return this.host.samples(reset); }
  async resetFigures(): Promise<void> { this.host.resetFigures(); }
  async assignPolicy(robot: string, version: string): Promise<{ previous: string | null }> {
    const { previous } = await this.host.assignPolicy(robot, version);
    return { previous };
  }
  policyStats(): Promise<PolicyRuntimeStats | null> { return this.host.policyStats(); }
  onFrames(fn: (frames: EncodedFrame[]) => void): void { this.#frames.push(fn); }
  onEvent(fn: (e: LoopEvent) => void): void { this.#events.push(fn); }
  start(): Promise<void> { return this.host.start(this.#schedule); }
  stop(): Promise<void> { return this.host.stop(); }
}

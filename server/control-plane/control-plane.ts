import type { Actor } from '../control/arbiter.ts';
import type { LoopEvent, Refusal } from '../control/control-loop.ts';
import type { RobotCommand } from '../control/robot-command.ts';
import type { RobotInfo } from '../../protocol/messages.ts';
import type { ControlSamples, ControlStatus } from './control-host.ts';
import type { EncodedFrame } from './frame-collector.ts';
import type { PolicyRuntimeStats } from './policy-host.ts';
import type { ThreadPriority } from './thread-priority.ts';

/**
 * The control side as the network thread sees it (docs/architecture.md "Threads"): explicit
 * operations, answered in-process (LocalControl: tests, simulated time) or by the control worker
 * thread (WorkerControl: live robots). A command's answer may be a promise; safety commands and
 * signs of life overtake everything else on the way.
 */
export interface ControlPlane {
  /** the robot ids, in configuration order */
  readonly robotIds: readonly string[];
  /** the control thread's niceness (null: the loops run on the caller's thread) */
  readonly priority: ThreadPriority | null;
  /** false once the control thread has died (the robots are then not controlled by this server) */
  readonly running: boolean;
  has(robot: string): boolean;
  /** static description (current policy included); TKO_ERR_UNKNOWN_ROBOT if unknown */
  info(robot: string): RobotInfo;
  /** runs an operator's command: the refusal, or null */
  command(robot: string, actor: Actor, cmd: RobotCommand, receivedAtMs: number): Refusal | null | Promise<Refusal | null>;
  /** a sign of life from an operator (feeds the watchdogs of the robots it holds) */
  alive(operatorId: string): void;
  /** an operator sent a bad frame: robots it drives hold */
  badInput(operatorId: string): void;
  /** an operator's last connection closed: robots it held hold and free the lease */
  gone(operatorId: string): void;
  /** every robot's figures: a snapshot at most 0.5 s old on the worker, `fresh` asks the control side now */
  status(fresh?: boolean): Promise<ControlStatus>;
  /** raw jitter and latency samples since the last reset (benchmarks) */
  samples(reset: boolean): Promise<ControlSamples>;
  /** starts a new measurement window (clears every figure; copies nothing) */
  resetFigures(): Promise<void>;
  assignPolicy(robot: string, version: string): Promise<{ previous: string | null }>;
  policyStats(): Promise<PolicyRuntimeStats | null>;
  /** state frames and loop events, as they come */
  onFrames(fn: (frames: EncodedFrame[]) => void): void;
  onEvent(fn: (e: LoopEvent) => void): void;
  /** connects the arms and starts the loops */
  start(): Promise<void>;
  stop(): Promise<void>;
}

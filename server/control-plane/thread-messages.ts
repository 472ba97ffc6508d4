import type { MessagePort } from 'node:worker_threads';
import type { TakeoverConfig } from '../config/config-schema.ts';
import type { Actor } from '../control/arbiter.ts';
import type { LoopEvent, Refusal } from '../control/control-loop.ts';
import type { RobotCommand } from '../control/robot-command.ts';
import type { RobotInfo } from '../../protocol/messages.ts';
import type { ControlStatus } from './control-host.ts';
import type { EncodedFrame } from './frame-collector.ts';
import type { PolicyRuntimeStats } from './policy-host.ts';
import type { RecorderOp } from './recorder-relay.ts';
import type { ThreadPriority } from './thread-priority.ts';

/** What the control worker is started with (workerData). */
export interface ControlWorkerData {
  config: TakeoverConfig;
  /** record: steps and events are relayed to the network thread's recorder */
  record: boolean;
  policies: boolean;
  spinMs?: number;
  coalesceMs?: number;
  /** every robot starts PAUSED with this reason */
  startPaused?: string;
  /** the process runs with node's --single-threaded-gc: collections use no helper threads */
  singleThreadedGc?: boolean;
  /** the doorbell the senders ring after each message (server/control-plane/doorbell.ts) */
  bell?: SharedArrayBuffer;
}

/** Network thread -> control thread. Requests carry an id; the answer is a `reply` with it. */
export type ToControl =
  /** `at`: the frame's arrival on the sending thread; `posted`: when it was posted (performance.now(), ms) */
  | { t: 'cmd'; id: number; robot: string; actor: Actor; cmd: RobotCommand; at: number; posted?: number }
  | { t: 'alive' | 'bad_input' | 'gone'; operatorId: string }
  | { t: 'status' | 'policy_stats' | 'start' | 'stop'; id: number }
  | { t: 'assign'; id: number; robot: string; version: string }
  | { t: 'samples'; id: number; reset: boolean }
  | { t: 'reset_figures'; id: number }
  | { t: 'watch'; robots: string[] }
  /** the control end of the channel to the safety socket's thread (server/safety/): its messages are SafetyToControl */
  | { t: 'safety_port'; port: MessagePort };

/** What the safety socket's thread may send the control thread: e-stops, pauses, signs of life. */
export type SafetyToControl =
  | (Extract<ToControl, { t: 'cmd' }> & { cmd: { type: 'estop' | 'pause' } })
  | { t: 'alive'; operatorId: string };

/** Whether a message from the safety socket's thread is one it may send. */
export function isSafetyToControl(m: unknown): m is SafetyToControl {
  const x = m as { t?: unknown; cmd?: { type?: unknown }; operatorId?: unknown };
  if (x?.t === 'alive') return typeof x.operatorId === 'string';
  return x?.t === 'cmd' && (x.cmd?.type === 'estop' || x.cmd?.type === 'pause');
}

/** An error crossing the thread boundary (TakeoverError's code survives). */
export interface ThreadError {
  code?: string;
  message: string;
}

/** Control thread -> network thread. */
export type FromControl =
  | { t: 'ready'; robots: RobotInfo[]; priority: ThreadPriority }
  | { t: 'failed'; error: ThreadError }
  | { t: 'reply'; id: number; value?: unknown; error?: ThreadError }
  | { t: 'refusals'; replies: Array<{ id: number; refusal: Refusal | null }> }
  | { t: 'frames'; frames: EncodedFrame[] }
  | { t: 'status'; status: ControlStatus; policies: PolicyRuntimeStats | null }
  | { t: 'event'; e: LoopEvent }
  | { t: 'rec'; ops: RecorderOp[] }
  | { t: 'log'; level: 'error' | 'warn' | 'info'; msg: string; robot?: string; err?: ThreadError };

import type { ActionScale } from '../../core/action.ts';
import type { ErrorCode } from '../../protocol/error-codes.ts';
import type { RobotBridge } from '../robots/robot-bridge.ts';
import type { ActionSource } from './action-source.ts';
import type { EstopResetRule } from './arbiter.ts';
import type { ArmKinematics } from '../../sim/kinematics.ts';
import type { Clock } from './clock.ts';
import type { RecorderPort } from './recorder-port.ts';
import type { SafetyLimits } from './safety-filter.ts';
import type { HelpConfig } from './help-monitor.ts';

export interface ControlLoopOptions {
  robotId: string;
  bridge: RobotBridge;
  kinematics: ArmKinematics;
  /** workspace box and EE step; joint limits come from the bridge's features */
  limits: Pick<SafetyLimits, 'workspaceMin' | 'workspaceMax' | 'maxEeStep'>;
  clock: Clock;
  rateHz?: number;
  policy?: ActionSource | null;
  actionScale?: ActionScale;
  /** controlling operator silent this long -> hold, s */
  heartbeatTimeout?: number;
  /** time the policy has to answer, s (default half a tick) */
  policyDeadline?: number;
  task?: string;
  seed?: number;
  stepLimit?: number;
  recorder?: RecorderPort | null;
  /** start the next episode by itself when one ends */
  autoReset?: boolean;
  /** re-anchor on measured joints when the commanded EE runs this far ahead, m */
  anchorTolerance?: number;
  /** real-time stamp in ms for latency figures (not the control clock) */
  perfNow?: () => number;
  newEpisodeId?: () => string;
  /** seconds of history kept for rewind (default 60) */
  rewindHorizon?: number;
  /** who may reset an e-stop (default presser-or-admin) */
  estopReset?: EstopResetRule;
  /** start PAUSED with this reason instead of AUTONOMOUS (after an unclean shutdown) */
  startPaused?: string;
  /** a policy call threw (`count`: errors so far); the loop counts it and holds that tick */
  onPolicyError?: (message: string, count: number) => void;
  /** what the robot does while its policy asks for help (docs/configuration.md `help`) */
  help?: HelpConfig;
}

export interface LoopEvent {
  type: 'mode' | 'episode_start' | 'episode_end' | 'rewind' | 'help';
  robot: string;
  [k: string]: unknown;
}

export type Refusal = { code: ErrorCode; message: string };

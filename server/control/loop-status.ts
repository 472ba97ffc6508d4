import type { Mode } from '../../core/mode.ts';
import type { HelpRequest } from '../../protocol/messages.ts';
import { isMonitored } from '../robots/bridge-extras.ts';
import type { RobotBridge } from '../robots/robot-bridge.ts';
import type { EpisodeInfo } from './episode-runner.ts';
import type { RateMeter, SampleRing } from './rate-meter.ts';
import type { RewindBuffer } from './rewind-buffer.ts';

/** A loop's live figures, measured (not configured); the REST schema is server/control-plane/robot-status.ts. */
export interface LoopStatus {
  mode: Mode;
  modeReason: string;
  lease: string | null;
  episode: { id: string; index: number; step: number; seed: number } | null;
  recentOutcomes: string[];
  configuredRateHz: number;
  measuredRateHz: number | null;
  /** measured rate at least 90% of the configured rate (true until measured) */
  rateOk: boolean;
  jitterP50Ms: number | null;
  jitterP99Ms: number | null;
  jitterP999Ms: number | null;
  jitterMaxMs: number | null;
  ticks: number;
  lateProposals: number;
  policyErrors: number;
  /** the last policy error's message, null when none */
  lastPolicyError: string | null;
  /** the open help request, null when none (docs/architecture.md "Help requests") */
  help: HelpRequest | null;
  /** the policy's last novelty score, null when it reports none */
  helpScore: number | null;
  /** the policy's last ensemble disagreement, null when the version has no ensemble heads */
  helpEnsembleScore: number | null;
  /** the policy's last failure risk, absent or null when the version has no failure-risk model */
  helpRiskScore?: number | null;
  commandLatencyP50Ms: number | null;
  commandLatencyP99Ms: number | null;
  link: { ready: boolean; reason: string };
  rewind: { horizonS: number; bytes: number; exact: boolean };
}

/** Below this share of its configured rate a loop is flagged (state frames, status). */
export const RATE_OK_SHARE = 0.9;

const ms = (s: number) => (Number.isFinite(s) ? s * 1000 : null);
const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Whether a measured rate keeps up with the configured one (NaN: not measured yet, so not flagged). */
export function rateOk(measuredHz: number, configuredHz: number): boolean {
  return !(measuredHz < RATE_OK_SHARE * configuredHz);
}

/** Link health of a monitored (real) arm; others are ready while connected. */
export function linkOf(b: RobotBridge): { ready: boolean; reason: string } {
  if (isMonitored(b)) {
    const h = b.health();
    return { ready: h.ready, reason: h.ready ? '' : h.reason };
  }
  return { ready: b.isConnected, reason: b.isConnected ? '' : 'not connected' };
}

/** Assembles a LoopStatus from the loop's parts (called by ControlLoop#status). */
export function loopStatus(p: {
  mode: Mode; modeReason: string; lease: string | null; episode: EpisodeInfo | null; recent: ReadonlyArray<{ outcome: string }>; dt: number;
  rate: RateMeter; lateProposals: number; policyErrors: number; lastPolicyError: string | null; help: HelpRequest | null; helpScore: number | null; helpEnsembleScore: number | null; helpRiskScore: number | null; commandLatencyMs: SampleRing; bridge: RobotBridge; rewind: RewindBuffer;
}): LoopStatus {
  const { rate, episode: ep } = p;
  // one sort per ring: status is read often (REST) and the rings hold thousands of samples
  const [j50, j99, j999, jMax] = rate.jitter.percentiles([50, 99, 99.9, 100]);
  const [l50, l99] = p.commandLatencyMs.percentiles([50, 99]);
  return {
    mode: p.mode, modeReason: p.modeReason, lease: p.lease,
    episode: ep ? { id: ep.id, index: ep.index, step: ep.step, seed: ep.seed } : null,
    recentOutcomes: p.recent.map((e) => e.outcome),
    configuredRateHz: 1 / p.dt, measuredRateHz: num(rate.rateHz), rateOk: rateOk(rate.rateHz, 1 / p.dt),
    jitterP50Ms: ms(j50), jitterP99Ms: ms(j99), jitterP999Ms: ms(j999), jitterMaxMs: ms(jMax),
    ticks: rate.ticks, lateProposals: p.lateProposals, policyErrors: p.policyErrors, lastPolicyError: p.lastPolicyError,
    help: p.help ? { ...p.help } : null, helpScore: p.helpScore, helpEnsembleScore: p.helpEnsembleScore, ...(p.helpRiskScore !== null ? { helpRiskScore: p.helpRiskScore } : {}),
    commandLatencyP50Ms: num(l50), commandLatencyP99Ms: num(l99),
    link: linkOf(p.bridge),
    rewind: { horizonS: p.rewind.horizonAvailable, bytes: p.rewind.bytes, exact: p.bridge.capabilities.restoreState },
  };
}

import type { Mode } from '../../core/mode.ts';
import type { AttentionItem, AttentionKind, HelpRequest } from '../../protocol/messages.ts';

/** What the queue reads of one robot's status (server/control-plane/robot-status.ts). */
export interface AttentionInput {
  id: string;
  mode: Mode;
  modeReason: string;
  configuredRateHz: number;
  measuredRateHz: number | null;
  rateOk: boolean;
  link: { ready: boolean; reason: string };
  help?: HelpRequest | null;
}

/** An item before the queue dates it: `since` only where the condition carries its own time. */
export type AttentionFinding = Omit<AttentionItem, 'since'> & { since?: number };

// the arbiter's pause reasons, in words an operator reads at a glance
const PAUSE_WORDS: Record<string, string> = {
  heartbeat_timeout: 'heartbeat lost',
  operator_disconnected: 'operator connection lost',
  robot_unavailable: 'arm unavailable',
  bad_input: 'bad operator input',
  start: 'paused at start',
};

/** Why a robot is paused, for a human (the link reason joins an unavailable arm's). */
export function pauseReason(modeReason: string, link: { ready: boolean; reason: string }): string {
  const words = PAUSE_WORDS[modeReason] ?? (modeReason ? `paused: ${modeReason}` : 'paused');
  return modeReason === 'robot_unavailable' && link.reason ? `${words}: ${link.reason}` : words;
}

/** What of a robot's status needs a human, one finding per kind at most (failed episodes come from events). */
export function attentionFindings(r: AttentionInput): AttentionFinding[] {
  const out: AttentionFinding[] = [];
  const add = (kind: AttentionKind, reason: string, extra: Partial<AttentionFinding> = {}) => out.push({ robot: r.id, kind, reason, mode: r.mode, ...extra });
  if (r.mode === 'ESTOP') add('estop', r.modeReason ? `e-stop: ${r.modeReason}` : 'e-stop');
  if (r.help) add('help', r.help.reason, { help: r.help, since: r.help.since });
  if (r.mode === 'PAUSED') add('paused', pauseReason(r.modeReason, r.link));
  // a paused or stopped robot already says why; a stale link on a moving one is its own alarm
  else if (!r.link.ready && r.mode !== 'ESTOP') add('stale', `arm link: ${r.link.reason || 'not ready'}`);
  if (!r.rateOk) add('rate', `loop at ${(r.measuredRateHz ?? 0).toFixed(1)} Hz of ${r.configuredRateHz.toFixed(0)} Hz`);
  return out;
}

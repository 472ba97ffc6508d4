import type { Mode, Source } from '../../core/mode.ts';

const HOLDING: Record<Mode, string> = {
  AUTONOMOUS: 'policy had no action, arm holding',
  INTERVENING: 'operator idle, arm holding',
  PAUSED: 'paused, arm holding',
  ESTOP: 'emergency stop, arm holding',
  REWINDING: 'rewinding',
};

/**
 * Who drove a tick, in words an operator reads: the raw source and mode (`none` / `PAUSED`) say
 * nothing to someone who does not know the protocol.
 */
export function controlWords(source: Source | string, mode: Mode | string): string {
  if (mode === 'REWINDING') return 'rewinding';
  if (source === 'policy') return 'policy driving';
  if (source === 'operator') return 'operator driving';
  return HOLDING[mode as Mode] ?? `arm holding (${String(mode).toLowerCase()})`;
}

const OUTCOMES: Record<string, string> = {
  success: 'succeeded',
  failure: 'failed',
  timeout: 'timed out',
  aborted: 'aborted',
  unknown: 'ended, outcome not marked',
};

/** How a catalogued episode ended (or that it is still going), in words. */
export function episodeOutcomeWords(outcome: string | null, status: string): string {
  if (outcome) return OUTCOMES[outcome] ?? outcome;
  if (status === 'recording') return 'still recording';
  if (status === 'recovered') return 'recovered after a crash, outcome not marked';
  if (status === 'quarantined') return 'quarantined (damaged journal)';
  return 'ended, outcome not marked';
}

/** A count with its noun, singular or plural ("1 intervention", "3 interventions"). */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

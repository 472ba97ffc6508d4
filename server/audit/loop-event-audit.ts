import type { LoopEvent } from '../control/control-loop.ts';
import { auditRecord, type AuditRecord, type AuditType } from './audit-record.ts';

/** Mode-change reasons (server/control/arbiter.ts) that the audit log keeps, with who caused them. */
const MODE_REASONS: Array<{ re: RegExp; type: AuditType; fields: (m: RegExpExecArray) => { actor: string | null } & Record<string, unknown> }> = [
  { re: /^take_over forced by '(.+)' from '(.+)'$/, type: 'force', fields: (m) => ({ actor: m[1], from: m[2] }) },
  { re: /^take_over by '(.+)'$/, type: 'take_over', fields: (m) => ({ actor: m[1] }) },
  { re: /^hand_back by '(.+?)'/, type: 'hand_back', fields: (m) => ({ actor: m[1] }) },
  { re: /^estop by (?:'(.+?)'|system)(?:: (.*))?$/s, type: 'estop', fields: (m) => ({ actor: m[1] ?? null, ...(m[2] ? { detail: m[2] } : {}) }) },
  { re: /^reset_estop by '(.+)'$/, type: 'estop_reset', fields: (m) => ({ actor: m[1] }) },
];

/**
 * The audit record of a control-plane event, or null when it is not one the log keeps: lease and
 * e-stop changes from mode events, rewinds, and episodes ended by an operator's reset.
 */
export function auditOfLoopEvent(e: LoopEvent, at = new Date()): AuditRecord | null {
  if (e.type === 'mode' && typeof e.reason === 'string') {
    for (const { re, type, fields } of MODE_REASONS) {
      const m = re.exec(e.reason);
      if (!m) continue;
      const { actor, ...rest } = fields(m);
      return auditRecord(type, actor, { robot: e.robot, mode: e.mode, lease: e.lease ?? null, ...rest }, at);
    }
    return null;
  }
  if (e.type === 'rewind') {
    return auditRecord('rewind', typeof e.by === 'string' ? e.by : null, { robot: e.robot, episodeId: e.episodeId, fromStep: e.fromStep, toStep: e.toStep, how: e.how }, at);
  }
  // reset_episode ends the running episode as 'aborted' on behalf of the operator (mark_outcome takes success or failure)
  if (e.type === 'episode_end' && typeof e.by === 'string' && e.outcome === 'aborted') {
    return auditRecord('episode_reset', e.by, { robot: e.robot, episodeId: e.episodeId, steps: e.steps }, at);
  }
  return null;
}

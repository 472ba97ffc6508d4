import { Type, type Static } from '@sinclair/typebox';

/** What the audit log records (docs/security.md, "Audit log"). */
export const AUDIT_TYPES = [
  'sign_in_failed', 'forbidden', 'origin_refused',
  'take_over', 'force', 'hand_back', 'estop', 'estop_reset', 'episode_reset', 'rewind',
  'policy_swap', 'episode_delete', 'training_job_delete', 'token_add', 'token_revoke',
  'audit_overflow',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** One line of `<dataDir>/audit.log`: when, what, who (principal name; null: the system or unknown), which robot, and details. */
export const AuditRecordSchema = Type.Object(
  {
    t: Type.String({ description: 'ISO date-time' }),
    type: Type.Union(AUDIT_TYPES.map((a) => Type.Literal(a))),
    actor: Type.Union([Type.String(), Type.Null()]),
    robot: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type AuditRecord = Static<typeof AuditRecordSchema> & Record<string, unknown>;

/** A record stamped now. */
export function auditRecord(type: AuditType, actor: string | null, extra: Record<string, unknown> = {}, at = new Date()): AuditRecord {
  return { t: at.toISOString(), type, actor, ...extra };
}

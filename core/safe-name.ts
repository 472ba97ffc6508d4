import { Type, type StringOptions } from '@sinclair/typebox';

/**
 * Names that users give and the server turns into file or folder names (policy versions) or looks
 * up (robots, episodes, jobs). Each is one safe path component: it starts with a letter or digit
 * (ids also with '_'), continues with letters, digits, '.', '_' or '-', and never contains '..'.
 * The request schemas and the stores that write the files share these patterns, so a bad name is
 * refused at the door (400) instead of after the work it names.
 */
export const SAFE_NAME_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/** robot ids (configuration, REST parameters) */
export const ROBOT_ID_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$';
/** episode ids (also journal file names) and training job ids */
export const RECORD_ID_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$';

const SAFE_NAME_RE = new RegExp(SAFE_NAME_PATTERN);

/** True when `name` may name a policy version (or another user-named folder). */
export function isSafeName(name: string): boolean {
  return SAFE_NAME_RE.test(name);
}

/** A policy version (or other folder) name, as a TypeBox string schema. */
export function SafeNameSchema(opts: StringOptions = {}) {
  return Type.String({ pattern: SAFE_NAME_PATTERN, description: "letters, digits, '.', '_', '-'; starts with a letter or digit; no '..'; at most 64", ...opts });
}

/** A robot id, as a TypeBox string schema. */
export function RobotIdSchema(opts: StringOptions = {}) {
  return Type.String({ pattern: ROBOT_ID_PATTERN, description: "robot id: letters, digits, '.', '_', '-'; no '..'; at most 64", ...opts });
}

/** An episode or training job id, as a TypeBox string schema. */
export function RecordIdSchema(opts: StringOptions = {}) {
  return Type.String({ pattern: RECORD_ID_PATTERN, description: "letters, digits, '.', '_', '-'; no '..'; at most 128", ...opts });
}

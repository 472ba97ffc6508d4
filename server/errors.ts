import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCode } from '../protocol/error-codes.ts';

export { ERROR_CODES, type ErrorCode };

const STATUS: Record<ErrorCode, number> = {
  TKO_ERR_BAD_FRAME: 400,
  TKO_ERR_FRAME_TOO_LARGE: 413,
  TKO_ERR_UNKNOWN_TYPE: 400,
  TKO_ERR_INVALID_MESSAGE: 400,
  TKO_ERR_PROTOCOL_VERSION: 400,
  TKO_ERR_HELLO_REQUIRED: 400,
  TKO_ERR_HELLO_REPEATED: 400,
  TKO_ERR_UNAUTHENTICATED: 401,
  TKO_ERR_FORBIDDEN: 403,
  TKO_ERR_UNKNOWN_ROBOT: 404,
  TKO_ERR_LEASE_HELD: 409,
  TKO_ERR_NOT_LEASE_HOLDER: 409,
  TKO_ERR_NO_SESSION: 409,
  TKO_ERR_ESTOP_LATCHED: 409,
  TKO_ERR_BAD_TRANSITION: 409,
  TKO_ERR_UNSUPPORTED: 422,
  TKO_ERR_REWIND_RANGE: 409,
  TKO_ERR_NOT_FOUND: 404,
  TKO_ERR_BAD_REQUEST: 400,
  TKO_ERR_CONFIG: 500,
  TKO_ERR_POLICY_INCOMPATIBLE: 409,
  TKO_ERR_NOT_CONNECTED: 503,
  TKO_ERR_ALREADY_CONNECTED: 409,
  TKO_ERR_BUSY: 503,
  TKO_ERR_RATE_LIMITED: 429,
  TKO_ERR_TOO_MANY_CONNECTIONS: 429,
  TKO_ERR_CATALOG_BUSY: 503,
  TKO_ERR_SAFETY_SOCKET: 400,
  TKO_ERR_INTERNAL: 500,
};

/** The one error type of the server (Fastify's errors.js model): a TKO_ERR_* code and an HTTP status. */
export class TakeoverError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERROR_CODES[code]);
    this.name = 'TakeoverError';
    this.code = code;
    this.statusCode = STATUS[code];
  }
}

/** HTTP status of a code. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** The repository root (relative names for the shipped files: policies/models/..., web/...). */
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * `text` without absolute server paths, for anything a client reads: paths inside the data
 * directory become `<data>/relative`, paths inside the repository become repo-relative, and any
 * other absolute path is cut to `…/basename`. File errors (ENOENT, EACCES, ...) name the file
 * they failed on; clients may learn which file, never where the server keeps it.
 */
export function withoutServerPaths(text: string, dataDir?: string): string {
  let out = text;
  if (dataDir) {
    const abs = resolve(dataDir);
    out = out.split(abs + sep).join('<data>/').split(abs).join('<data>');
  }
  out = out.split(REPO_ROOT).join('');
  // whatever absolute path is left (tmp files, other roots): keep the file name only
  return out.replace(/(?<![\w.:/~<>-])\/(?:[^\s'"`()\[\],:/]+\/)+([^\s'"`()\[\],:/]*)/g, '…/$1');
}

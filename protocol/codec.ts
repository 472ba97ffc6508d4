import { C1, Packr } from 'msgpackr';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { ErrorCode } from './error-codes.ts';
import { CLIENT_SCHEMAS, SERVER_SCHEMAS, TeleopDeltaSchema, TeleopPoseSchema, type ClientMessage, type ServerMessage } from './messages.ts';

/** Largest client -> server frame the server decodes; bigger ones get TKO_ERR_FRAME_TOO_LARGE. */
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * Largest server -> client frame a client decodes. The biggest server frame is server_info, about
 * 0.6 KB per robot plus each distinct model once (docs/protocol.md "Frame limits"): 4 MiB holds
 * thousands of robots, where 64 KiB held about 16 when every robot carried its model.
 */
export const MAX_SERVER_FRAME_BYTES = 4 * 1024 * 1024;

export type Decoded<T> =
  | { ok: true; msg: T }
  | { ok: false; code: ErrorCode; message: string; ref?: number; type?: string };

// Plain maps and arrays only (no msgpackr records), so any msgpack implementation can talk to us.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Encodes any protocol message as msgpack. */
export function encodeMessage(msg: ClientMessage | ServerMessage): Uint8Array {
  return packr.pack(msg);
}

type Checkers = Record<string, TypeCheck<TSchema>>;
const compile = (schemas: Record<string, TSchema>): Checkers =>
  Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, TypeCompiler.Compile(s)]));
let clientCheckers: Checkers | null = null;
let serverCheckers: Checkers | null = null;

function decodeWith<T>(bytes: Uint8Array, checkers: Checkers, maxBytes: number): Decoded<T> {
  if (!(bytes instanceof Uint8Array)) return { ok: false, code: 'TKO_ERR_BAD_FRAME', message: 'frames must be binary (msgpack)' };
  if (bytes.byteLength > maxBytes) {
    return { ok: false, code: 'TKO_ERR_FRAME_TOO_LARGE', message: `frame of ${bytes.byteLength} bytes exceeds ${maxBytes}` };
  }
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    return { ok: false, code: 'TKO_ERR_BAD_FRAME', message: `not msgpack: ${(err as Error).message}`.slice(0, 200) };
  }
  if (holdsNeverUsed(value)) return { ok: false, code: 'TKO_ERR_BAD_FRAME', message: 'not msgpack: byte 0xc1 is never used in msgpack' };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) {
    return { ok: false, code: 'TKO_ERR_INVALID_MESSAGE', message: 'a message is a map with a string field `type`' };
  }
  const rec = value as Record<string, unknown>;
  const ref = Number.isInteger(rec.ref) && (rec.ref as number) >= 0 ? (rec.ref as number) : undefined;
  const type = rec.type;
  if (typeof type !== 'string' || type.includes(':') || !Object.hasOwn(checkers, type)) {
    return { ok: false, code: 'TKO_ERR_UNKNOWN_TYPE', message: `unknown message type ${JSON.stringify(type)?.slice(0, 64) ?? 'undefined'}`, ref };
  }
  // The teleop union is checked branch by branch so that errors name the offending field.
  const check = type === 'teleop' && checkers['teleop:pose'] ? checkers[rec.kind === 'pose' ? 'teleop:pose' : 'teleop:delta'] : checkers[type];
  if (!check.Check(value)) {
    const e = check.Errors(value).First();
    const where = e?.path || '/';
    return { ok: false, code: 'TKO_ERR_INVALID_MESSAGE', message: `${type}: ${where}: ${e?.message ?? 'invalid'}`, ref, type };
  }
  if (type === 'teleop' && rec.kind === 'pose') {
    const q = rec.quat as number[];
    const n = Math.hypot(q[0], q[1], q[2], q[3]);
    if (n < 0.5) return { ok: false, code: 'TKO_ERR_INVALID_MESSAGE', message: `teleop: /quat: norm ${n.toFixed(3)} is not a rotation`, ref, type };
  }
  return { ok: true, msg: value as T };
}

/** Whether msgpackr's stand-in for the never-used byte 0xc1 is anywhere in a decoded value (it decodes instead of failing). */
function holdsNeverUsed(value: unknown): boolean {
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === C1) return true;
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) for (const x of Object.values(v)) stack.push(x);
  }
  return false;
}

/** Decodes and validates a client frame (server side). Never throws. */
export function decodeClientMessage(bytes: Uint8Array): Decoded<ClientMessage> {
  clientCheckers ??= compile({ ...CLIENT_SCHEMAS, 'teleop:delta': TeleopDeltaSchema, 'teleop:pose': TeleopPoseSchema });
  return decodeWith<ClientMessage>(bytes, clientCheckers, MAX_FRAME_BYTES);
}

/** Decodes and validates a server frame (console side). Never throws. */
export function decodeServerMessage(bytes: Uint8Array): Decoded<ServerMessage> {
  serverCheckers ??= compile(SERVER_SCHEMAS);
  return decodeWith<ServerMessage>(bytes, serverCheckers, MAX_SERVER_FRAME_BYTES);
}

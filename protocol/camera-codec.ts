import { Packr } from 'msgpackr';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { CAMERA_SCHEMAS, type CameraMessage } from './camera-messages.ts';

// The main socket's settings: plain maps, any msgpack implementation reads them; bytes as bin.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
let checkers: Record<string, TypeCheck<TSchema>> | null = null;

/** Encodes a camera socket message as msgpack. */
export function encodeCameraMessage(msg: CameraMessage): Uint8Array {
  return packr.pack(msg);
}

/** Decodes and validates a camera socket message (console side); an error names the problem. Never throws. */
export function decodeCameraMessage(bytes: Uint8Array): { ok: true; msg: CameraMessage } | { ok: false; message: string } {
  checkers ??= Object.fromEntries(Object.entries(CAMERA_SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)]));
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    return { ok: false, message: `not msgpack: ${(err as Error).message}`.slice(0, 200) };
  }
  const rec = value as Record<string, unknown> | null;
  const type = typeof rec === 'object' && rec !== null ? rec.type : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(checkers, type)) return { ok: false, message: `unknown camera message type ${JSON.stringify(type)?.slice(0, 64) ?? 'undefined'}` };
  // msgpackr hands Node a Buffer: a Uint8Array all the same, but TypeBox wants the exact class
  if (type === 'image' && rec!.data instanceof Uint8Array && rec!.data.constructor !== Uint8Array) {
    const d = rec!.data as Uint8Array;
    rec!.data = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  const check = checkers[type];
  if (!check.Check(value)) {
    const e = check.Errors(value).First();
    return { ok: false, message: `${type}: ${e?.path || '/'}: ${e?.message ?? 'invalid'}` };
  }
  return { ok: true, msg: value as CameraMessage };
}

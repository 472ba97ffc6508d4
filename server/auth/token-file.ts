import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TokenConfigSchema } from '../config/config-schema.ts';
import { TakeoverError } from '../errors.ts';
import { tokenRecord, type TokenRecord } from './token-store.ts';

const Base64Url = (min: number, max: number) => Type.String({ pattern: `^[A-Za-z0-9_-]{${min},${max}}$` });

/** One stored token: owner, role, creation time and salted digest (docs/security.md). */
export const TokenRecordSchema = Type.Object(
  {
    name: TokenConfigSchema.properties.name,
    role: TokenConfigSchema.properties.role,
    created: Type.String({ minLength: 1 }),
    salt: Base64Url(16, 64),
    sha256: Base64Url(43, 43),
  },
  { additionalProperties: false },
);

/** `<dataDir>/tokens.json`: digests only. */
export const TokenFileSchema = Type.Object({ version: Type.Literal(2), tokens: Type.Array(TokenRecordSchema) }, { additionalProperties: false });
type TokenFile = Static<typeof TokenFileSchema>;

/** The file of earlier versions: an array of plain tokens, rewritten as digests on load. */
const LegacyTokenFileSchema = Type.Array(TokenConfigSchema);

/** Path of the tokens file in a data dir. */
export const tokensFile = (dataDir: string) => join(dataDir, 'tokens.json');

/** Creates the data dir owner-only (0700), tightening an existing one. */
export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

/** Writes a file owner-only (0600) in one step: a temporary file renamed over it. */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Writes the token records (mode 0600). */
export function writeTokenFile(file: string, records: TokenRecord[]): void {
  const body: TokenFile = { version: 2, tokens: records };
  writePrivateFile(file, JSON.stringify(body, null, 2) + '\n');
}

/** What reading the tokens file found. */
export interface TokenFileContents {
  records: TokenRecord[];
  /** plain-text tokens found and rewritten as digests (0 when the file held digests already) */
  migrated: number;
}

const problem = (file: string, schema: Parameters<typeof Value.Errors>[0], v: unknown) => {
  const e = [...Value.Errors(schema, v)][0];
  return new TakeoverError('TKO_ERR_CONFIG', `${file}: ${e?.path || '/'}: ${e?.message}`);
};

/**
 * Reads the tokens file (none: no records). A file of plain tokens (earlier versions) is rewritten
 * as digests at once; the tokens keep working. Throws TKO_ERR_CONFIG naming the bad field.
 */
export function readTokenFile(file: string): TokenFileContents {
  if (!existsSync(file)) return { records: [], migrated: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TakeoverError('TKO_ERR_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) {
    if (!Value.Check(LegacyTokenFileSchema, parsed)) throw problem(file, LegacyTokenFileSchema, parsed);
    // the file's age is the best creation time there is for tokens that never recorded one
    const created = statSync(file).mtime;
    const records = parsed.map((t) => tokenRecord(t.name, t.role, t.token, created));
    writeTokenFile(file, records);
    return { records, migrated: records.length };
  }
  if (!Value.Check(TokenFileSchema, parsed)) throw problem(file, TokenFileSchema, parsed);
  return { records: parsed.tokens, migrated: 0 };
}

/**
 * Watches the tokens file so that `takeover tokens add|revoke` take effect on a running server:
 * `changed()` stats it at most once per `everyMs` and returns the records when it changed. A file
 * that no longer reads keeps the last good records (reported through `onError`).
 */
export function tokenFileWatch(file: string, onError: (err: Error) => void, everyMs = 1000): () => TokenRecord[] | null {
  const stamp = () => {
    try {
      const s = statSync(file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  let last = stamp();
  let checkedAt = Date.now();
  return () => {
    const now = Date.now();
    if (now - checkedAt < everyMs) return null;
    checkedAt = now;
    const s = stamp();
    if (s === last) return null;
    last = s;
    try {
      return readTokenFile(file).records;
    } catch (err) {
      onError(err as Error);
      return null;
    }
  };
}

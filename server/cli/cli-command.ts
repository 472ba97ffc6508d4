import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Flags every subcommand understands, with the same meaning everywhere. */
export interface CommonFlags {
  config?: string;
  dataDir: string;
  port?: number;
  host?: string;
  seed?: number;
  /** a PostgreSQL URL (--database, else TAKEOVER_DATABASE_URL): the shared catalog and job queue */
  database?: string;
  json: boolean;
}

/** One `takeover <name>` subcommand. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** extra flags beyond the common ones, in node:util parseArgs form */
  options?: ParseArgsConfig['options'];
  run(flags: CommonFlags, values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const COMMON_OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  seed: { type: 'string' },
  database: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Error for a bad command line; the CLI prints its message and exits 2. */
export class UsageError extends Error {}

/** Parses a whole number flag or throws a UsageError naming it. */
export function intFlag(values: Record<string, unknown>, name: string, fallback?: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(n)) {
    throw new UsageError(`--${name} takes a whole number, got '${String(raw)}'`);
  }
  return n;
}

/** Parses argv for a command: common flags plus the command's own. */
export function parseCommandArgs(cmd: CliCommand, argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, ...(cmd.options ?? {}) },
    allowPositionals: true,
    strict: true,
  });
  const v = values as Record<string, unknown>;
  const flags: CommonFlags = {
    config: v.config as string | undefined,
    dataDir: (v['data-dir'] as string | undefined) ?? process.env.TAKEOVER_DATA_DIR ?? './data',
    port: intFlag(v, 'port'),
    host: v.host as string | undefined,
    seed: intFlag(v, 'seed'),
    database: (v.database as string | undefined) ?? (process.env.TAKEOVER_DATABASE_URL || undefined),
    json: Boolean(v.json),
  };
  return { flags, values: v, positionals, help: Boolean(v.help) };
}

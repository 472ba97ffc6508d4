import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { TakeoverError } from '../errors.ts';
import { resolveCameras } from '../cameras/camera-config.ts';
import { defaultConfig, TakeoverConfigSchema, type RobotConfig, type TakeoverConfig } from './config-schema.ts';

/** Overrides from the command line (already parsed). */
export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  controlRateHz?: number;
  /** N robots of the first configured robot's kind and task */
  robots?: number;
  seed?: number;
  /** PEM certificate and key files: serve HTTPS and WSS */
  tlsCert?: string;
  tlsKey?: string;
  /** a PostgreSQL URL: the shared catalog, job queue and server registry */
  database?: string;
}

const DEFAULT_FILES = ['takeover.config.json', 'takeover.config.yaml', 'takeover.config.yml'];

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TakeoverError('TKO_ERR_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const v = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the top level must be an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new TakeoverError('TKO_ERR_CONFIG', `config file ${path} does not parse: ${(err as Error).message}`);
  }
}

function num(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new TakeoverError('TKO_ERR_CONFIG', `${name} must be a number, got '${raw}'`);
  return n;
}

/** Parses TAKEOVER_TOKENS: `name:role:token` entries separated by commas. */
function envTokens(raw: string | undefined): TakeoverConfig['tokens'] | undefined {
  if (!raw) return undefined;
  return raw.split(',').filter(Boolean).map((entry) => {
    const [name, role, ...rest] = entry.split(':');
    return { name, role: role as 'viewer', token: rest.join(':') };
  });
}

/** N copies of a robot with ids arm0..armN-1 and seeds spread apart. */
export function replicateRobots(template: RobotConfig, n: number): RobotConfig[] {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new TakeoverError('TKO_ERR_CONFIG', `robot count must be 1..256, got ${n}`);
  const base = template.id.replace(/\d+$/, '') || 'arm';
  return Array.from({ length: n }, (_, i) => ({ ...template, id: `${base}${i}`, seed: (template.seed ?? 0) + 1000 * i }));
}

/**
 * The effective configuration: defaults < config file (`--config`, else ./takeover.config.json
 * or .yaml) < environment (TAKEOVER_*) < flags. Throws TKO_ERR_CONFIG naming the bad field.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): TakeoverConfig {
  const defaults = defaultConfig();
  const cfg: Record<string, unknown> = { ...defaults };
  const file = flags.config ?? env.TAKEOVER_CONFIG ?? DEFAULT_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  if (file) {
    const fromFile = readFile(resolve(cwd, file));
    // the limit blocks merge over their defaults, so that a file names only the limits it changes
    for (const k of ['wsLimits', 'restLimits', 'safetySocket', 'threadNice', 'audit'] as const) {
      const v = fromFile[k];
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) fromFile[k] = { ...defaults[k], ...v };
    }
    Object.assign(cfg, fromFile);
  }
  const overrides: Record<string, unknown> = {
    host: env.TAKEOVER_HOST || undefined,
    port: num(env, 'TAKEOVER_PORT'),
    dataDir: env.TAKEOVER_DATA_DIR || undefined,
    controlRateHz: num(env, 'TAKEOVER_CONTROL_RATE'),
    tokens: envTokens(env.TAKEOVER_TOKENS),
    logLevel: env.TAKEOVER_LOG_LEVEL || undefined,
    database: env.TAKEOVER_DATABASE_URL || undefined,
    serverId: env.TAKEOVER_SERVER_ID || undefined,
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) cfg[k] = v;
  for (const k of ['host', 'port', 'dataDir', 'controlRateHz', 'database'] as const) if (flags[k] !== undefined) cfg[k] = flags[k];
  const robotsN = flags.robots ?? num(env, 'TAKEOVER_ROBOTS');
  if (robotsN !== undefined) {
    const first = (cfg.robots as RobotConfig[] | undefined)?.[0] ?? defaultConfig().robots[0];
    cfg.robots = replicateRobots(first, robotsN);
  }
  const tlsCert = flags.tlsCert ?? (env.TAKEOVER_TLS_CERT || undefined);
  const tlsKey = flags.tlsKey ?? (env.TAKEOVER_TLS_KEY || undefined);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new TakeoverError('TKO_ERR_CONFIG', 'TLS needs both a certificate and a key: give --tls-cert and --tls-key (or TAKEOVER_TLS_CERT and TAKEOVER_TLS_KEY) together');
  }
  if (tlsCert !== undefined) cfg.tls = { cert: tlsCert, key: tlsKey };
  if (flags.seed !== undefined && Array.isArray(cfg.robots)) {
    cfg.robots = (cfg.robots as RobotConfig[]).map((r, i) => ({ ...r, seed: flags.seed! + 1000 * i }));
  }
  return validateConfig(cfg);
}

/** Checks a whole configuration object; the error names every bad field. */
export function validateConfig(cfg: unknown): TakeoverConfig {
  if (!Value.Check(TakeoverConfigSchema, cfg)) {
    const problems = [...Value.Errors(TakeoverConfigSchema, cfg)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
    throw new TakeoverError('TKO_ERR_CONFIG', `invalid configuration: ${problems.join('; ')}`);
  }
  const c = cfg as TakeoverConfig;
  const ids = new Set<string>();
  for (const r of c.robots) {
    if (ids.has(r.id)) throw new TakeoverError('TKO_ERR_CONFIG', `invalid configuration: robot id '${r.id}' appears twice`);
    ids.add(r.id);
    if (r.ros?.cameras) resolveCameras(r.id, r.ros.cameras);
  }
  const names = new Map<string, string>();
  for (const t of c.tokens) {
    if (names.has(t.token)) throw new TakeoverError('TKO_ERR_CONFIG', `invalid configuration: tokens of '${names.get(t.token)}' and '${t.name}' are the same`);
    names.set(t.token, t.name);
  }
  return c;
}

import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { isSafeName } from '../core/safe-name.ts';
import { migratePg } from '../database/pg-migrate.ts';
import { MODEL_JSON, WEIGHTS_BIN } from './file-io-handler.ts';
import { parseManifest, POLICY_JSON, type Evaluation, type PolicyManifest } from './policy-manifest.ts';
import { DEFAULT_VERSION, readHelpHeads, readHelpStates, type PolicyRegistry } from './policy-registry.ts';

/** The files every version folder has; its help model's files (named in policy.json) are stored beside them. */
const FILES = [POLICY_JSON, MODEL_JSON, WEIGHTS_BIN] as const;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE policy_versions (
     version TEXT PRIMARY KEY,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     parent_version TEXT,
     task TEXT,
     manifest JSONB NOT NULL,
     policy_json BYTEA NOT NULL,
     model_json BYTEA NOT NULL,
     weights_bin BYTEA NOT NULL,
     -- the job that made it: one version per job, however often the job is retried
     job_id TEXT UNIQUE,
     server_id TEXT NOT NULL
   );`,
  // the help model's files: a version that asks for help on one server asks on every server
  `ALTER TABLE policy_versions ADD COLUMN help_states BYTEA, ADD COLUMN help_heads BYTEA;`,
  // a job may make several versions (a loop job: one per round and weighting): each is keyed by
  // the job and its name inside the job ('' for a training job's one version)
  `ALTER TABLE policy_versions ADD COLUMN job_output TEXT NOT NULL DEFAULT '';
   ALTER TABLE policy_versions DROP CONSTRAINT policy_versions_job_id_key;
   CREATE UNIQUE INDEX policy_versions_job_output ON policy_versions (job_id, job_output);`,
];

/** The policy store's migrations, in order (exported for the migration test). */
export const POLICY_STORE_MIGRATIONS = MIGRATIONS;

/** One version of a job's set (publishJob): its folder and its name inside the job. */
export interface JobVersionDraft {
  /** the job's own name of the version (e.g. the loop's `loop-<id>-sirius-r2`); unique in the job */
  output: string;
  dir: string;
  /** evaluations made before it was published, recorded in its stored policy.json */
  evaluation?: Evaluation[];
}

/** A published version of a job's set, with its name inside the job. */
export interface JobVersion {
  output: string;
  manifest: PolicyManifest;
}

/** v<N> names by their number (v2 before v10), others after them by name. */
const BY_NUMBER = `substring(version from '^v([0-9]+)$')::int NULLS LAST, version`;

/** Serializes naming a new version across workers (any fixed key). */
const NAME_LOCK = 0x746b6f02;

/**
 * Policy versions in the shared database (docs/deployment.md): a worker publishes the folder it
 * wrote, and every server materializes a version into its own registry folder before loading it.
 * Versions stay immutable; a job's versions are keyed by the job's id and their name inside the
 * job, so a retried job publishes none twice.
 */
export class PgPolicyStore {
  #pool: pg.Pool;
  readonly serverId: string;

  private constructor(pool: pg.Pool, serverId: string) {
    this.#pool = pool;
    this.serverId = serverId;
  }

  /** Migrates the policy tables and returns the store. */
  static async open(pool: pg.Pool, serverId: string): Promise<PgPolicyStore> {
    await migratePg(pool, 'policies', MIGRATIONS);
    return new PgPolicyStore(pool, serverId);
  }

  /** The version a (training) job already created, or null. */
  async versionForJob(jobId: string): Promise<PolicyManifest | null> {
    const r = await this.#pool.query<{ manifest: PolicyManifest }>("SELECT manifest FROM policy_versions WHERE job_id = $1 AND job_output = ''", [jobId]);
    return r.rows[0]?.manifest ?? null;
  }

  /** The versions a job published with publishJob, in the order given (empty if none). */
  async versionsForJob(jobId: string): Promise<JobVersion[]> {
    return jobVersions(this.#pool, jobId);
  }

  /** Every stored version's manifest, oldest first. */
  async list(): Promise<PolicyManifest[]> {
    // a job's set shares one created_at: v<N> by number within it
    const r = await this.#pool.query<{ manifest: PolicyManifest }>(`SELECT manifest FROM policy_versions ORDER BY created_at, ${BY_NUMBER}`);
    return r.rows.map((x) => x.manifest);
  }

  /** The stored version names. */
  async names(): Promise<string[]> {
    return (await this.#pool.query<{ version: string }>('SELECT version FROM policy_versions ORDER BY version')).rows.map((x) => x.version);
  }

  /**
   * Publishes a version folder written under any name (`dir` holds policy.json, model.json,
   * weights.bin, and the help model's states and heads when policy.json has one): named
   * `version`, else the next free `v<N>` here. With a `jobId` that already made a version,
   * nothing is written and that version is returned (a retried job).
   */
  async publish(dir: string, { jobId, version, reserved = [] }: { jobId?: string; version?: string; reserved?: string[] }): Promise<PolicyManifest> {
    const folder = readFolder(dir);
    return this.#transaction(async (client) => {
      if (jobId) {
        const had = await client.query<{ manifest: PolicyManifest }>("SELECT manifest FROM policy_versions WHERE job_id = $1 AND job_output = ''", [jobId]);
        if (had.rows[0]) return had.rows[0].manifest;
      }
      return this.#insert(client, folder, version ?? (await nextName(client, reserved)), reserved, { jobId, output: '' });
    });
  }

  /**
   * Publishes every version a job made, in one transaction: all of them or none. Each is named the
   * next free `v<N>`, in the order given; a parent named by an earlier draft's `output` is
   * renamed to that draft's new name, so the stored lineage resolves on every server. A job that
   * already published its set (a retried job whose earlier run got this far) gets that set back,
   * and nothing is written.
   */
  async publishJob(jobId: string, drafts: JobVersionDraft[], reserved: string[] = []): Promise<JobVersion[]> {
    const outputs = drafts.map((d) => d.output);
    if (outputs.some((o) => o === '') || new Set(outputs).size !== outputs.length) throw new Error(`a job's versions need distinct, non-empty names inside the job, got ${JSON.stringify(outputs)}`);
    const folders = drafts.map((d) => ({ ...d, folder: readFolder(d.dir) }));
    return this.#transaction(async (client) => {
      const had = await jobVersions(client, jobId);
      if (had.length > 0) return had;
      const named = new Map<string, string>();
      const out: JobVersion[] = [];
      for (const { output, folder, evaluation } of folders) {
        const draft = folder.draft;
        const parentVersion = draft.parentVersion === null ? null : (named.get(draft.parentVersion) ?? draft.parentVersion);
        const manifest = await this.#insert(client, { ...folder, draft: { ...draft, parentVersion, evaluation: [...draft.evaluation, ...(evaluation ?? [])] } }, await nextName(client, reserved), reserved, { jobId, output });
        named.set(output, manifest.version);
        out.push({ output, manifest });
      }
      return out;
    });
  }

  /** Runs `fn` in a transaction holding the naming lock. */
  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [NAME_LOCK]);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async #insert(client: pg.PoolClient, { draft, files, helpStates, helpHeads }: VersionFolder, name: string, reserved: string[], job: { jobId?: string; output: string }): Promise<PolicyManifest> {
    if (!isSafeName(name)) throw new Error(`'${name}' is not a valid policy version name`);
    if (name === DEFAULT_VERSION || reserved.includes(name)) throw new Error(`policy version '${name}' is reserved by a shipped policy`);
    const manifest: PolicyManifest = { ...draft, version: name };
    const policyJson = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
    try {
      await client.query(
        `INSERT INTO policy_versions (version, parent_version, task, manifest, policy_json, model_json, weights_bin, help_states, help_heads, job_id, job_output, server_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [name, manifest.parentVersion, manifest.task, JSON.stringify(manifest), policyJson, files[MODEL_JSON], files[WEIGHTS_BIN], helpStates, helpHeads, job.jobId ?? null, job.output, this.serverId],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new Error(`policy version '${name}' already exists; versions are never overwritten`);
      throw err;
    }
    return manifest;
  }

  /**
   * Writes a stored version into the registry's folder if it is not there yet (written under a
   * temporary name, then renamed: a reader never sees half a version). False when the store has
   * no such version.
   */
  async materialize(registry: PolicyRegistry, version: string): Promise<boolean> {
    if (!isSafeName(version)) return false;
    const finalDir = path.join(registry.root, version);
    const r = await this.#pool.query<{ manifest: PolicyManifest; policy_json: Buffer; model_json: Buffer; weights_bin: Buffer; help_states: Buffer | null; help_heads: Buffer | null }>(
      'SELECT manifest, policy_json, model_json, weights_bin, help_states, help_heads FROM policy_versions WHERE version = $1', [version],
    );
    const row = r.rows[0];
    if (!row) return false;
    const local = path.join(finalDir, POLICY_JSON);
    if (fs.existsSync(local)) {
      // a folder made before this server shared the database may carry the same name
      if (!fs.readFileSync(local).equals(row.policy_json)) throw new Error(`policy version '${version}' exists in this server's registry and differs from the shared database's; rename the local folder`);
      return true;
    }
    fs.mkdirSync(registry.root, { recursive: true });
    const tmp = path.join(registry.root, `.tmp-${version}-${process.pid}-${Date.now()}`);
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, POLICY_JSON), row.policy_json);
    fs.writeFileSync(path.join(tmp, MODEL_JSON), row.model_json);
    fs.writeFileSync(path.join(tmp, WEIGHTS_BIN), row.weights_bin);
    // under the names policy.json gives (checked plain names; loading checks them again with their sizes)
    const help = row.manifest.help;
    if (help && row.help_states && isSafeName(help.file)) fs.writeFileSync(path.join(tmp, help.file), row.help_states);
    if (help?.ensemble && row.help_heads && isSafeName(help.ensemble.file)) fs.writeFileSync(path.join(tmp, help.ensemble.file), row.help_heads);
    try {
      fs.renameSync(tmp, finalDir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      // another process of this data dir materialized it first
      if (!fs.existsSync(path.join(finalDir, POLICY_JSON))) throw err;
    }
    return true;
  }

  /** Materializes every stored version the registry lacks; returns the names written. */
  async syncInto(registry: PolicyRegistry): Promise<string[]> {
    const written: string[] = [];
    for (const v of await this.names()) {
      if (fs.existsSync(path.join(registry.root, v, POLICY_JSON))) continue; // (a differing one is reported when it is asked for)
      if (await this.materialize(registry, v)) written.push(v);
    }
    return written;
  }
}

/** A version folder read and checked: a version is never stored without the help files its policy.json names. */
interface VersionFolder {
  draft: PolicyManifest;
  files: Record<(typeof FILES)[number], Buffer>;
  helpStates: Buffer | null;
  helpHeads: Buffer | null;
}

function readFolder(dir: string): VersionFolder {
  const files = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(dir, f))])) as VersionFolder['files'];
  const draft = parseManifest(files[POLICY_JSON].toString('utf8'), path.join(dir, POLICY_JSON));
  // the store has columns for the states and heads only: a version published without its risk file could not load
  if (draft.help?.risk) throw new Error(`${dir}: version '${draft.version}' has a failure-risk model (${draft.help.risk.file}), which the shared store cannot hold yet`);
  return {
    draft, files,
    helpStates: draft.help ? bytesOf(readHelpStates(dir, draft.help)) : null,
    helpHeads: draft.help?.ensemble ? bytesOf(readHelpHeads(dir, draft.help.ensemble)) : null,
  };
}

/** A job's published set (job_output not ''), in the order it was published (names are v<N>, given in order). */
async function jobVersions(db: pg.Pool | pg.PoolClient, jobId: string): Promise<JobVersion[]> {
  const r = await db.query<{ job_output: string; manifest: PolicyManifest }>(
    `SELECT job_output, manifest FROM policy_versions WHERE job_id = $1 AND job_output <> ''
     ORDER BY ${BY_NUMBER}`, [jobId],
  );
  return r.rows.map((x) => ({ output: x.job_output, manifest: x.manifest }));
}

async function nextName(client: pg.PoolClient, reserved: string[]): Promise<string> {
  const r = await client.query<{ n: number | null }>(`SELECT MAX(substring(version from '^v([0-9]+)$')::int) AS n FROM policy_versions`);
  let n = (r.rows[0]?.n ?? 0) + 1;
  while (reserved.includes(`v${n}`)) n++;
  return `v${n}`;
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

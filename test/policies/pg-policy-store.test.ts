// The shared policy store on embedded PostgreSQL: a job's set of versions, and the migration that
// keys versions by (job, name inside the job).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPgPool } from '../../database/pg-pool.ts';
import { migratePg } from '../../database/pg-migrate.ts';
import { PgPolicyStore, POLICY_STORE_MIGRATIONS } from '../../policies/pg-policy-store.ts';
import type { Evaluation, PolicyManifest } from '../../policies/policy-manifest.ts';
import { BUILTIN_POLICIES_DIR, PolicyRegistry } from '../../policies/policy-registry.ts';
import { useTestPg } from '../database/embedded-pg.ts';

const testPg = useTestPg();
const { cleanup } = testPg;

async function database(): Promise<pg.Pool> {
  const pool = openPgPool(await testPg.server.newDatabase());
  cleanup.push(() => pool.end());
  return pool;
}

/** A copy of the shipped default's folder, named `name` with parent `parent` (and no evaluations) in its policy.json. */
function folder(name: string, parent: string | null): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tko-${name}-`));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(BUILTIN_POLICIES_DIR, 'default'), dir, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'policy.json'), 'utf8')) as PolicyManifest;
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ ...m, version: name, parentVersion: parent, evaluation: [] }));
  return dir;
}

const EVAL: Evaluation = { task: 'place', episodes: 2, seedBase: 10000, successes: 1, successRate: 0.5, ci95: [0.09, 0.91], meanEpisodeLength: 120, at: '2026-01-01T00:00:00.000Z' };

describe('PgPolicyStore', () => {
  it("publishes a job's set at once: next v<N> names in order, parents renamed into the store's names, evaluations recorded; a second publish of the job returns the set", async () => {
    const pool = await database();
    const store = await PgPolicyStore.open(pool, 'w1');
    await store.publish(folder('mine', null), {}); // another version is v1: the set continues the numbering
    const drafts = [
      { output: 'run-start', dir: folder('run-start', null) },
      { output: 'run-none-r1', dir: folder('run-none-r1', 'run-start'), evaluation: [EVAL] },
      { output: 'run-none-r2', dir: folder('run-none-r2', 'run-none-r1') },
      { output: 'run-iwr-r1', dir: folder('run-iwr-r1', 'default') },
    ];
    const set = await store.publishJob('job-1', drafts);
    expect(set.map((v) => [v.output, v.manifest.version, v.manifest.parentVersion])).toEqual([
      ['run-start', 'v2', null], ['run-none-r1', 'v3', 'v2'], ['run-none-r2', 'v4', 'v3'], ['run-iwr-r1', 'v5', 'default'],
    ]);
    expect(set[1].manifest.evaluation).toEqual([EVAL]);
    expect(set[0].manifest.evaluation).toEqual([]);
    // what every server materializes is what was published
    const registry = new PolicyRegistry({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tko-srv-b-')) });
    cleanup.push(() => fs.rmSync(path.dirname(registry.root), { recursive: true, force: true }));
    expect(await store.materialize(registry, 'v3')).toBe(true);
    expect(registry.manifest('v3')).toMatchObject({ version: 'v3', parentVersion: 'v2', evaluation: [EVAL] });

    // a retried job: the same set, nothing written
    const again = await store.publishJob('job-1', drafts.map((d) => ({ ...d, dir: folder(d.output, null) })));
    expect(again).toEqual(set);
    expect(await store.versionsForJob('job-1')).toEqual(set);
    expect(await store.names()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    // the job's set is not a training job's one version
    expect(await store.versionForJob('job-1')).toBeNull();
    expect(await store.versionsForJob('job-2')).toEqual([]);
  });

  it('lists a set of ten and more in its order (v9 before v10), though its versions share one creation time', async () => {
    const pool = await database();
    const store = await PgPolicyStore.open(pool, 'w1');
    const outputs = Array.from({ length: 11 }, (_, i) => `r${i + 1}`);
    const set = await store.publishJob('job-1', outputs.map((output) => ({ output, dir: folder(output, null) })));
    const numbered = outputs.map((_, i) => `v${i + 1}`);
    expect(set.map((v) => v.manifest.version)).toEqual(numbered);
    expect((await store.versionsForJob('job-1')).map((v) => [v.output, v.manifest.version])).toEqual(outputs.map((o, i) => [o, numbered[i]]));
    expect((await store.list()).map((m) => m.version)).toEqual(numbered);
  });

  it('publishes none of a set one of whose folders does not read, and refuses names inside the job that are empty or repeated', async () => {
    const pool = await database();
    const store = await PgPolicyStore.open(pool, 'w1');
    const broken = folder('b', null);
    fs.rmSync(path.join(broken, 'weights.bin'));
    await expect(store.publishJob('job-1', [{ output: 'a', dir: folder('a', null) }, { output: 'b', dir: broken }])).rejects.toThrow(/weights\.bin/);
    await expect(store.publishJob('job-1', [{ output: 'a', dir: folder('a', null) }, { output: 'a', dir: folder('a', null) }])).rejects.toThrow(/distinct, non-empty names inside the job, got \["a","a"\]/);
    await expect(store.publishJob('job-1', [{ output: '', dir: folder('a', null) }])).rejects.toThrow(/non-empty/);
    expect(await store.names()).toEqual([]);
  });

  it('migrates a store keyed by job id alone: a training job\'s version is still found by its job, and a job may then hold several versions, each once', async () => {
    const pool = await database();
    // the store as the build before this migration left it, with a training job's version
    await migratePg(pool, 'policies', POLICY_STORE_MIGRATIONS.slice(0, 2));
    const dir = folder('x', null);
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    const m = JSON.parse(read('policy.json').toString('utf8')) as PolicyManifest;
    await pool.query(
      `INSERT INTO policy_versions (version, parent_version, task, manifest, policy_json, model_json, weights_bin, job_id, server_id)
       VALUES ('v1', NULL, 'place', $1, $2, $3, $4, 'train-1', 'old')`,
      [JSON.stringify({ ...m, version: 'v1' }), read('policy.json'), read('model.json'), read('weights.bin')],
    );
    const store = await PgPolicyStore.open(pool, 'w1');
    expect((await pool.query("SELECT version FROM takeover_schema WHERE component = 'policies'")).rows).toEqual([{ version: POLICY_STORE_MIGRATIONS.length }]);
    expect((await store.versionForJob('train-1'))?.version).toBe('v1');
    // a retried training job finds its version and makes no second one
    expect((await store.publish(folder('y', null), { jobId: 'train-1' })).version).toBe('v1');
    const set = await store.publishJob('loop-1', [{ output: 'r1', dir: folder('r1', null) }, { output: 'r2', dir: folder('r2', 'r1') }]);
    expect(set.map((v) => v.manifest.version)).toEqual(['v2', 'v3']);
    // the database itself refuses a second row for one (job, name inside the job)
    await expect(pool.query(
      `INSERT INTO policy_versions (version, manifest, policy_json, model_json, weights_bin, job_id, job_output, server_id)
       SELECT 'v9', manifest, policy_json, model_json, weights_bin, job_id, job_output, server_id FROM policy_versions WHERE version = 'v2'`,
    )).rejects.toThrow(/policy_versions_job_output/);
    expect(await store.names()).toEqual(['v1', 'v2', 'v3']);
  });

  it('refuses a version with a failure-risk model, naming it, rather than publish it without its risk file', async () => {
    const pool = await database();
    const store = await PgPolicyStore.open(pool, 'w1');
    const dir = folder('risky', null);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'policy.json'), 'utf8')) as PolicyManifest;
    const rollouts = { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 20000, episodes: 10, successes: 8, flaggedSuccesses: 0, failures: 2, flaggedFailures: 2, stepThreshold: 0.5, stepFlaggedSuccesses: 1, stepFlaggedFailures: 2 };
    const risk = { method: 'failure-risk' as const, file: 'help-risk.bin', dim: m.observation.dim, hidden: [4], threshold: 0.6, training: { episodes: 10, failures: 2, steps: 100, epochs: 1, seed: 0, folds: 3, heldOutBrier: 0.2 }, rollouts };
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ ...m, help: { ...m.help!, risk, raise: 'risk' } }));
    await expect(store.publish(dir, {})).rejects.toThrow(/version 'risky' has a failure-risk model \(help-risk\.bin\), which the shared store cannot hold yet/);
    expect(await store.names()).toEqual([]);
  });
});

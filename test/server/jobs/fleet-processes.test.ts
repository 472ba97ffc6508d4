import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPg, type TestPg } from '../../database/embedded-pg.ts';
import { ADMIN, api, exited, killStarted, takeover, waitFor } from './takeover-processes.ts';

let pgServer: TestPg;
let dir: string;
beforeAll(async () => {
  pgServer = await startTestPg();
  dir = mkdtempSync(join(tmpdir(), 'tko-fleet-'));
});
afterAll(async () => {
  killStarted();
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two servers and a worker sharing one PostgreSQL', () => {
  it('one catalog of both servers\' episodes; a job from A runs on the worker and B hot-swaps its version; a worker killed mid-job -> retried, one version', { timeout: 900_000 }, async () => {
    const url = await pgServer.newDatabase();
    const serve = (name: string) => {
      const cfg = join(dir, `${name}.json`);
      writeFileSync(cfg, JSON.stringify({
        serverId: name, database: url, record: true, controlRateHz: 20, logLevel: 'warn',
        robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert', stepLimit: 20 }],
        tokens: [{ name: 'root', role: 'admin', token: ADMIN }],
        jobs: { heartbeatMs: 300, staleMs: 2000 },
      }));
      return takeover(['serve', '--config', cfg, '--port', '0', '--data-dir', join(dir, name), '--no-build']);
    };
    const [a, b] = await Promise.all([serve('cell-a'), serve('cell-b')]);
    const A = a.json.url as string;
    const B = b.json.url as string;

    // both servers registered, each with its robot, and up
    type FleetView = { servers: Array<{ id: string; status: string; url: string; robots: Array<{ id: string; kind: string }> }> };
    const registered = await waitFor('both servers in the fleet view', async () => {
      const r = (await api<FleetView>(A, 'GET', '/api/fleet')).json;
      return r.servers?.length === 2 && r.servers.every((s) => s.status === 'up' && !s.url.endsWith(':0')) && r;
    }, 60_000);
    expect(registered.servers.map((s) => [s.id, s.url, s.robots.map((r) => `${r.id} ${r.kind}`)])).toEqual([
      ['cell-a', A.replace(/\/$/, ''), ['arm0 sim']], ['cell-b', B.replace(/\/$/, ''), ['arm0 sim']],
    ]);

    // episodes of both servers in one catalog
    const fleet = await waitFor('finished episodes from both servers', async () => {
      const r = await api<{ items: Array<{ serverId: string; status: string }> }>(A, 'GET', '/api/episodes?scope=fleet&status=complete&limit=1000');
      const per = (s: string) => r.json.items.filter((e) => e.serverId === s).length;
      return per('cell-a') >= 3 && per('cell-b') >= 2 && r.json;
    });
    expect(new Set(fleet.items.map((e) => e.serverId))).toEqual(new Set(['cell-a', 'cell-b']));
    expect((await api(B, 'GET', '/api/episodes?status=complete&limit=1000')).json.items.every((e: { serverId: string }) => e.serverId === 'cell-b')).toBe(true);

    // a training job submitted on A runs on the worker (which reads A's journals)
    const worker = (id: string) => takeover(['worker', '--database', url, '--data-dir', join(dir, 'cell-a'), '--worker-id', id, '--heartbeat-ms', '300', '--stale-ms', '2000']);
    const w1 = await worker('w1');
    const train = { kind: 'training', training: { episodes: 'task=place', weighting: 'none', epochs: 2, hidden: [16], batchSize: 64, seed: 1 } };
    const submitted = await api(A, 'POST', '/api/jobs', train);
    expect(submitted.status).toBe(202);
    const done = await waitFor('the first job', async () => {
      const j = (await api(B, 'GET', `/api/jobs/${submitted.json.id}`)).json;
      if (j.status === 'failed') throw new Error(`job failed: ${j.error}\n${w1.log()}`);
      return j.status === 'succeeded' && j;
    });
    expect(done).toMatchObject({ version: 'v1', runner: 'w1', attempts: 1, serverId: 'cell-a' });
    // ... and server B hot-swaps the version the worker wrote to the shared store
    const swap = await api(B, 'POST', '/api/robots/arm0/policy', { version: 'v1' });
    expect(swap.status).toBe(200);
    expect(swap.json).toMatchObject({ robotId: 'arm0', version: 'v1' });
    expect((await api(B, 'GET', '/api/robots/arm0')).json.info.policy).toMatchObject({ version: 'v1' });

    // a worker killed mid-job: the job runs again elsewhere and makes exactly one version
    const long = await api(A, 'POST', '/api/jobs', { kind: 'training', training: { ...train.training, epochs: 400 } });
    await waitFor('the second job training on w1', async () => {
      const j = (await api(A, 'GET', `/api/jobs/${long.json.id}`)).json;
      return j.status === 'running' && j.progress?.phase === 'training' && j.progress.done >= 1;
    });
    w1.child.kill('SIGKILL');
    expect(await exited(w1.child, 30_000), `worker w1 on SIGKILL:\n${w1.log()}`).not.toBe('still running');
    const w2 = await worker('w2');
    const retried = await waitFor('the second job after the retry', async () => {
      const j = (await api(B, 'GET', `/api/jobs/${long.json.id}`)).json;
      if (j.status === 'failed') throw new Error(`job failed: ${j.error}\n${w2.log()}`);
      return j.status === 'succeeded' && j;
    });
    expect(retried).toMatchObject({ version: 'v2', runner: 'w2', attempts: 2 });
    const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 30_000, query_timeout: 30_000 });
    await db.connect();
    try {
      const versions = await db.query('SELECT version, job_id FROM policy_versions ORDER BY version');
      expect(versions.rows).toEqual([{ version: 'v1', job_id: submitted.json.id }, { version: 'v2', job_id: long.json.id }]);
    } finally {
      await db.end();
    }
    const listed = (await api(B, 'GET', '/api/policies')).json.items.map((m: { version: string }) => m.version);
    expect(listed.filter((v: string) => /^v\d+$/.test(v))).toEqual(['v1', 'v2']);

    // B stops cleanly: A shows it stopped
    b.child.kill('SIGTERM');
    expect(await exited(b.child, 60_000), `server B on SIGTERM:\n${b.log()}`).toBe(0);
    const afterB = (await api<FleetView>(A, 'GET', '/api/fleet')).json;
    expect(afterB.servers.map((s) => `${s.id} ${s.status}`)).toEqual(['cell-a up', 'cell-b stopped']);
    for (const [name, p] of [['server A', a], ['worker w2', w2]] as const) {
      p.child.kill('SIGTERM');
      expect(await exited(p.child, 60_000), `${name} on SIGTERM:\n${p.log()}`).toBe(0);
    }
  });
});

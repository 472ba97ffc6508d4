import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../recordings/sqlite-catalog.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const operator = { authorization: `Bearer ${TOKENS.alice.token}` };
const admin = { authorization: `Bearer ${TOKENS.admin.token}` };
/** names a client must not get past the request schema: traversal, separators, hidden, '..' inside */
const BAD_NAMES = ['../../x', '..', 'a..b', '.hidden', 'x/y', '-x', 'a b', 'x'.repeat(65)];

let srv: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  srv = await startTestServer(
    { record: true, restLimits: { timeWindowMs: 60_000, readMax: 0, writeMax: 0 } },
    { recorder: undefined, policies: true },
  );
}, 120_000);
afterAll(async () => {
  await srv?.close();
});

/** Fails naming the body when it shows an absolute path of this machine. */
function expectNoServerPath(body: string, what: string): void {
  expect(body, what).not.toContain(srv.config.dataDir);
  expect(body, what).not.toContain(REPO_ROOT);
  expect(body, what).not.toContain(tmpdir() + '/');
  expect(body, what).not.toMatch(/(^|[\s'"(=])\/(tmp|work|home|var|etc|usr|root|opt|srv|data)\//);
}

describe('validation at the door', () => {
  it('refuses a training job whose version or parent version is not a safe name (400 naming the field, no job)', async () => {
    for (const name of BAD_NAMES) {
      for (const field of ['version', 'parentVersion']) {
        const r = await srv.app.inject({ method: 'POST', url: '/api/training-jobs', headers: operator, payload: { episodes: 'all', weighting: 'none', [field]: name } });
        expect(r.statusCode, `${field} ${JSON.stringify(name)}: ${r.body}`).toBe(400);
        expect(r.json()).toMatchObject({ code: 'TKO_ERR_BAD_REQUEST', message: expect.stringContaining(field) });
      }
    }
    const jobs = await srv.app.inject({ method: 'GET', url: '/api/training-jobs', headers: operator });
    expect(jobs.json().items).toEqual([]);
  });

  it("refuses every path parameter of every route in /docs/json that holds '..' (400, before the handler)", async () => {
    const docs = (await srv.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(docs.paths as Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const params = (op.parameters ?? []).filter((p) => p.in === 'path');
        for (const p of params) {
          for (const bad of ['a..b', '.x']) {
            const url = path.replace(/\{([^}]+)\}/g, (_m, name) => (name === p.name ? encodeURIComponent(bad) : 'arm0'));
            const r = await srv.app.inject({ method: method.toUpperCase() as 'GET', url, headers: admin, ...(method === 'get' || method === 'delete' ? {} : { payload: {} }) });
            expect(r.statusCode, `${method.toUpperCase()} ${url}: ${r.body}`).toBe(400);
            expect(r.json().message, url).toContain(p.name);
          }
          checked.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['GET /api/robots/{id}', 'POST /api/robots/{id}/policy', 'GET /api/policies/{id}', 'DELETE /api/episodes/{id}', 'GET /api/training-jobs/{id}']));
  });

  it('refuses a policy swap to a version name that is not safe (400, not a registry lookup)', async () => {
    for (const name of BAD_NAMES) {
      const r = await srv.app.inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: operator, payload: { version: name } });
      expect(r.statusCode, `${JSON.stringify(name)}: ${r.body}`).toBe(400);
      expect(r.json().message).toContain('version');
    }
  });
});

describe('errors without absolute server paths', () => {
  it('names files relative to the data dir or the repository when a file operation fails', async () => {
    // an episode whose journal file is gone (deleted by hand, disk trouble)
    const catalog = new SqliteCatalog(join(srv.config.dataDir, 'catalog.sqlite'));
    try {
      await catalog.insert({ id: 'ghost', robotId: 'arm0', task: 'reach', seed: 1, policyVersion: null, kind: 'policy', startedAt: 1, file: 'episodes/ghost.mcap' });
      await catalog.setStatus('ghost', 'complete');
    } finally {
      await catalog.close();
    }
    const detail = await srv.app.inject({ method: 'GET', url: '/api/episodes/ghost', headers: operator });
    expect(detail.statusCode).toBe(200);
    expect(detail.json().segmentsUnavailable).toContain('episodes/ghost.mcap');
    expectNoServerPath(detail.body, 'episode detail');

    const steps = await srv.app.inject({ method: 'GET', url: '/api/episodes/ghost/steps', headers: operator });
    expect(steps.json()).toMatchObject({ statusCode: 404, code: 'TKO_ERR_NOT_FOUND', message: expect.stringContaining('episodes/ghost.mcap') });
    expectNoServerPath(steps.body, 'episode steps');

    const file = await srv.app.inject({ method: 'GET', url: '/api/episodes/ghost/file', headers: operator });
    expect(file.statusCode).toBe(404);
    expectNoServerPath(file.body, 'episode file');

    // the registry names the folders it looked in
    const version = await srv.app.inject({ method: 'GET', url: '/api/policies/no-such-version', headers: operator });
    expect(version.json()).toMatchObject({ statusCode: 404, code: 'TKO_ERR_NOT_FOUND', message: expect.stringContaining('<data>/policies') });
    expectNoServerPath(version.body, 'policy version');
    const swap = await srv.app.inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: operator, payload: { version: 'no-such-version' } });
    expect(swap.statusCode).toBe(404);
    expectNoServerPath(swap.body, 'policy swap');
    const parent = await srv.app.inject({ method: 'POST', url: '/api/training-jobs', headers: operator, payload: { episodes: 'all', weighting: 'none', parentVersion: 'no-such-version' } });
    expect(parent.statusCode).toBe(400);
    expectNoServerPath(parent.body, 'training job parent');
  });
});

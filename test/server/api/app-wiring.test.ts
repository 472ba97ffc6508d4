import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer, TOKENS } from '../support/test-server.ts';

describe('buildApp wiring', () => {
  it('serves the policies API and a robot policy swap refuses unknown versions', async () => {
    const srv = await startTestServer({}, { policies: true });
    try {
      const auth = { authorization: `Bearer ${TOKENS.admin.token}` };
      const list = await srv.app.inject({ method: 'GET', url: '/api/policies', headers: auth });
      expect(list.statusCode).toBe(200);
      const status = await srv.app.inject({ method: 'GET', url: '/api/status', headers: auth });
      expect(status.json().backend.policy).toMatch(/^idle; /);
      const swap = await srv.app.inject({ method: 'POST', url: '/api/robots/arm0/policy', headers: auth, payload: { version: 'no-such-version' } });
      expect(swap.statusCode).toBe(404);
      expect(swap.json()).toMatchObject({ code: 'TKO_ERR_NOT_FOUND' });
      const ghost = await srv.app.inject({ method: 'POST', url: '/api/robots/arm9/policy', headers: auth, payload: { version: 'x' } });
      expect(ghost.json()).toMatchObject({ code: 'TKO_ERR_UNKNOWN_ROBOT' });
      const docs = await srv.app.inject({ method: 'GET', url: '/docs/json' });
      expect(Object.keys(docs.json().paths)).toEqual(expect.arrayContaining(['/api/policies', '/api/training-jobs']));
    } finally {
      await srv.close();
    }
  });

  it('records episodes into the data dir when recording is on, and lists them over REST', async () => {
    const srv = await startTestServer({ record: true }, { recorder: undefined });
    try {
      srv.tick(5);
      const auth = { authorization: `Bearer ${TOKENS.eve.token}` };
      // the recorder writes on its own timer; poll the catalog through the API
      let items: Array<{ robotId: string; status: string }> = [];
      for (let i = 0; i < 100 && items.length === 0; i++) {
        await new Promise((r) => setImmediate(r));
        const r = await srv.app.inject({ method: 'GET', url: '/api/episodes', headers: auth });
        expect(r.statusCode).toBe(200);
        items = r.json().items;
        if (items.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect(items[0]).toMatchObject({ robotId: 'arm0' });
      // the episode still recording shows the steps already in its file, not the catalog's 0
      let live: { status: string; steps: number; bytes: number } | undefined;
      for (let i = 0; i < 100 && !(live && live.steps === 5); i++) {
        await new Promise((r) => setTimeout(r, 20));
        const r = await srv.app.inject({ method: 'GET', url: '/api/episodes', headers: auth });
        live = (r.json().items as Array<{ status: string; steps: number; bytes: number }>).find((e) => e.status === 'recording');
      }
      expect(live).toMatchObject({ status: 'recording', steps: 5 });
      expect(live!.bytes).toBeGreaterThan(0);
    } finally {
      await srv.close();
    }
  });

  it('serves the built console at / when webDir has an index.html', async () => {
    const web = mkdtempSync(join(tmpdir(), 'takeover-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>takeover console</title>');
    const srv = await startTestServer({ webDir: web });
    try {
      const r = await srv.app.inject({ method: 'GET', url: '/' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toContain('takeover console');
    } finally {
      await srv.close();
    }
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markRunning, RUN_MARKER } from '../../server/run-marker.ts';
import { TestClient } from './support/test-server.ts';

const root = resolve(import.meta.dirname, '../..');
const ADMIN = 'crash-admin-token-0123456789';
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true, maxRetries: 5 }));
});
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), name));
  dirs.push(d);
  return d;
};

describe('markRunning', () => {
  it('finds the marker a run left behind, and a clean release leaves none', () => {
    const dir = tmp('tko-marker-');
    const first = markRunning(dir, new Date('2026-01-01T00:00:00Z'));
    expect(first.unclean).toBeNull();
    expect(existsSync(join(dir, RUN_MARKER))).toBe(true);
    // not released: the next run finds it
    const second = markRunning(dir);
    expect(second.unclean).toEqual({ pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z' });
    second.release();
    expect(existsSync(join(dir, RUN_MARKER))).toBe(false);
    expect(markRunning(dir).unclean).toBeNull();
  });

  it('takes a marker cut short by the crash as unclean too', () => {
    const dir = tmp('tko-marker-');
    writeFileSync(join(dir, RUN_MARKER), '{"pid":12');
    expect(markRunning(dir).unclean).toEqual({ pid: null, startedAt: null });
  });
});

interface Serving {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `takeover serve` as a child process on an ephemeral port, recording into `data`. */
async function serve(dir: string): Promise<Serving> {
  const child = spawn(process.execPath, [join(root, 'bin/takeover.js'), 'serve', '--config', join(dir, 'takeover.config.yaml'), '--port', '0', '--data-dir', join(dir, 'data'), '--no-build', '--json'], {
    cwd: dir, env: { ...process.env, TAKEOVER_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  // --json puts one object on stdout (logs go to stderr): the start line is the one with the url
  const line = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const started = out.split('\n').slice(0, -1).find((l) => l.includes('"url"'));
      if (started) ok(started);
    });
    void exited.then(({ code }) => fail(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return { child, url: (JSON.parse(line) as { url: string }).url, exited };
}

const api = async (url: string, path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
type Status = { mode: string; modeReason: string; lease: string | null; episode: { id: string; seed: number } | null };
const robot = async (s: Serving): Promise<Status> => (await api(s.url, '/api/robots/m0')).status;
/** every episode of m0 in the catalog with its seed */
const episodes = async (s: Serving): Promise<{ id: string; seed: number }[]> => (await api(s.url, '/api/episodes?robotId=m0&limit=1000')).items;

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 180_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const expectNoRepeatedSeed = (eps: { seed: number }[]) => {
  const seeds = eps.map((e) => e.seed);
  expect(new Set(seeds).size, `seeds ${seeds.sort((a, b) => a - b).join(',')}`).toBe(seeds.length);
};

describe('restart after kill -9 (real child processes)', () => {
  it('starts every robot PAUSED after an unclean shutdown, AUTONOMOUS after a clean one; seeds continue from the catalog', { timeout: 600_000 }, async () => {
    const dir = tmp('tko-crash-restart-');
    writeFileSync(join(dir, 'takeover.config.yaml'), [
      'robots:', '  - { id: m0, kind: mock, stepLimit: 4 }', 'record: true', 'logLevel: warn',
      'tokens:', `  - { name: root, role: admin, token: ${ADMIN} }`, '',
    ].join('\n'));

    // first run: episodes roll every 4 steps; an operator takes over, then the process is killed
    const a = await serve(dir);
    const first = await robot(a);
    expect(first).toMatchObject({ mode: 'AUTONOMOUS', modeReason: 'start' });
    await until(() => episodes(a), (e) => e.length >= 3, 'three recorded episodes');
    const { client } = await TestClient.signIn(`${a.url.replace('http', 'ws')}/ws`, ADMIN);
    client.send({ type: 'take_over', robot: 'm0', ref: 1 });
    await client.next((m) => m.type === 'ack' && m.ref === 1);
    // the status is a snapshot of at most 0.5 s ago
    await until(() => robot(a), (r) => r.mode === 'INTERVENING' && r.lease === 'root', 'the take-over in the status');
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    client.ws.terminate();

    // second run: nothing drives until an operator resumes
    const b = await serve(dir);
    const after = await robot(b);
    expect(after.mode).toBe('PAUSED');
    expect(after.lease).toBeNull();
    expect(after.modeReason).toMatch(/^unclean shutdown: the previous run \(pid \d+, started .+\) did not stop cleanly/);
    // a paused robot's episode waits with it (paused steps do not count toward the step limit)
    // (the status is a snapshot of at most 0.5 s ago: the first may predate the episode)
    const waiting = (await until(() => robot(b), (r) => r.episode !== null, 'the second run\'s episode in the status')).episode;
    await new Promise((r) => setTimeout(r, 1500)); // 30 ticks at 20 Hz, 7 step limits
    expect(await robot(b)).toMatchObject({ mode: 'PAUSED', episode: { id: waiting!.id } });
    // once an operator resumes, episodes roll over again, and no scene is repeated
    const op = await TestClient.signIn(`${b.url.replace('http', 'ws')}/ws`, ADMIN);
    op.client.send({ type: 'resume', robot: 'm0', ref: 2 });
    await op.client.next((m) => m.type === 'ack' && m.ref === 2);
    const resumedAt = (await episodes(b)).length;
    await until(() => episodes(b), (e) => e.length >= resumedAt + 2, 'episodes of the second run after the resume');
    expectNoRepeatedSeed(await episodes(b));
    op.client.ws.terminate();
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);

    // third run, after a clean stop: the policy drives as configured, seeds still continue
    const c = await serve(dir);
    expect(await robot(c)).toMatchObject({ mode: 'AUTONOMOUS', modeReason: 'start' });
    const before = (await episodes(c)).length;
    await until(() => episodes(c), (e) => e.length >= before + 2, 'episodes of the third run');
    expectNoRepeatedSeed(await episodes(c));
    c.child.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
  });
});

import { execFileSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { setHelperThreadsRealtime, startupThreads } from '../../../server/control-plane/thread-priority.ts';

/** Runs the thread-priority module inside a fresh worker thread and returns what it reports. */
function inWorker(code: string): Promise<Record<string, unknown>> {
  const url = new URL('../../../server/control-plane/thread-priority.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); }).then(async (tp) => {
    const { parentPort } = require('node:worker_threads'); const os = require('node:os');
    parentPort.postMessage(await (async () => { ${code} })());
  })`;
  const w = new Worker(boot, { eval: true });
  return new Promise((resolve, reject) => { w.once('message', (m) => { void w.terminate(); resolve(m); }); w.once('error', reject); });
}

describe('thread priorities', () => {
  it('changes the niceness of the calling thread only, not the process', async () => {
    const before = getPriority(0);
    // raising niceness (lower priority) is allowed without privileges
    const r = await inWorker('const p = tp.setThreadNice(7); return { ...p, own: os.getPriority(0) };');
    expect(r).toMatchObject({ wanted: 7, nice: 7, error: '', own: 7 });
    expect(getPriority(0)).toBe(before);
  });

  it('puts a thread in SCHED_FIFO when permitted, and says why not otherwise', async () => {
    const r = (await inWorker('return tp.setThreadRealtime(5);')) as { ok: boolean; error: string };
    if (process.getuid?.() === 0) expect(r).toEqual({ wanted: 5, ok: true, error: '' });
    else if (!r.ok) expect(r.error).toMatch(/SCHED_FIFO 5/);
  });

  it('puts only the threads Node started before any JavaScript in SCHED_FIFO, never a worker, the main thread or the caller', () => {
    // a process started as bin/takeover.js starts: the startup threads are recorded, then tsx
    // registers (its loader thread), then a JavaScript worker exists (as the safety thread in
    // `serve` does) when a second worker, standing for the control thread, raises the helpers
    const root = new URL('../../../', import.meta.url);
    const tp = new URL('server/control-plane/thread-priority.ts', root).href;
    const script = `
      import ${JSON.stringify(new URL('bin/startup-threads.js', root).href)};
      import { register } from 'tsx/esm/api';
      import { Worker } from 'node:worker_threads';
      import { execFileSync } from 'node:child_process';
      import { readdirSync } from 'node:fs';
      register();
      const boot = (body) => "import('tsx/esm/api').then((m) => { m.register(); return import(" + JSON.stringify(${JSON.stringify(tp)}) + "); }).then((tp) => { const { parentPort } = require('node:worker_threads'); const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()); " + body + " })";
      const run = (body) => new Promise((resolve, reject) => { const w = new Worker(boot(body), { eval: true, execArgv: [] }); w.once('message', (m) => resolve({ w, m })); w.once('error', reject); });
      const other = await run('parentPort.postMessage(tid)');
      const caller = await run('parentPort.postMessage({ h: tp.setHelperThreadsRealtime(3, tp.startupThreads()), self: tid })');
      const { startupThreads } = await import(${JSON.stringify(tp)});
      // a thread may end between the listing and the question (false then)
      const isFifo = (t) => { try { return /SCHED_FIFO/.test(execFileSync('chrt', ['-p', String(t)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })); } catch { return false; } };
      const fifo = readdirSync('/proc/self/task').map(Number).filter(isFifo);
      console.log(JSON.stringify({ ...caller.m, other: other.m, startup: startupThreads(), fifo, main: process.pid }));
      await other.w.terminate(); await caller.w.terminate();`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(root), encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      h: { ok: boolean; threads: number; error: string }; self: number; other: number; startup: number[]; fifo: number[]; main: number;
    };
    expect(r.startup.length).toBeGreaterThan(0);
    expect(r.startup).not.toContain(r.main);
    expect(r.startup).not.toContain(r.other);
    if (process.getuid?.() !== 0) return void expect(r.h.ok ? '' : r.h.error).toMatch(/^$|SCHED_FIFO 3/);
    expect(r.h).toMatchObject({ ok: true, error: '' });
    expect(r.h.threads).toBeGreaterThan(0);
    expect(r.fifo.length).toBe(r.h.threads);
    for (const t of r.fifo) expect(r.startup).toContain(t);
    expect(r.fifo).not.toContain(r.other);
    expect(r.fifo).not.toContain(r.main);
    expect(r.fifo).not.toContain(r.self);
  });

  it('raises no helper when the startup threads are unknown, and says so', () => {
    const saved = process.env.TAKEOVER_STARTUP_THREADS;
    try {
      // inherited from a parent process: it names the parent's threads, not ours
      process.env.TAKEOVER_STARTUP_THREADS = `${process.pid + 1}:${process.pid}`;
      expect(startupThreads()).toBeNull();
      expect(setHelperThreadsRealtime(3, startupThreads())).toEqual({
        wanted: 3, threads: 0, ok: false, error: expect.stringMatching(/helper threads unknown .*none raised/),
      });
    } finally {
      if (saved === undefined) delete process.env.TAKEOVER_STARTUP_THREADS;
      else process.env.TAKEOVER_STARTUP_THREADS = saved;
    }
  });
});

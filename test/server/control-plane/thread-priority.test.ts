import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

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

  it('puts the helper threads, not the main thread nor the caller, in SCHED_FIFO when permitted', async () => {
    const r = (await inWorker(`const h = tp.setOtherThreadsRealtime(3);
      const cp = require('node:child_process'); const fs = require('node:fs');
      const self = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
      const policy = (t) => cp.execFileSync('chrt', ['-p', String(t)], { encoding: 'utf8' });
      const others = fs.readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid && t !== self);
      return { h, main: policy(process.pid), self: policy(self), fifo: others.filter((t) => /SCHED_FIFO/.test(policy(t))).length };`)) as {
      h: { ok: boolean; threads: number; error: string }; main: string; self: string; fifo: number;
    };
    if (process.getuid?.() !== 0) return void expect(r.h.ok ? '' : r.h.error).toMatch(/^$|SCHED_FIFO 3/);
    expect(r.h).toMatchObject({ ok: true, error: '' });
    expect(r.h.threads).toBeGreaterThan(0);
    expect(r.fifo).toBeGreaterThanOrEqual(r.h.threads);
    expect(r.main).toMatch(/SCHED_OTHER/);
    expect(r.self).toMatch(/SCHED_OTHER/);
  });
});

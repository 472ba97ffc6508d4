// Overload bench load-free probe: the machine's floor. Runs beside the server (own process, normal
// priority like the server) two threads with the control thread's priority that only wake at the
// control rate (bench/floor-probe-worker.ts): one on a libuv timer, one sleeping in Atomics.wait to
// the due time. Their lateness is what any thread of that priority gets from this machine (vCPU
// steal, other guests' threads, the kernel); the control loops' jitter is read against it.
import { runChild } from './overload-child.ts';
import { percentile } from './percentiles.ts';
import { startTsWorker } from '../policies/ts-worker.ts';
import type { Worker } from 'node:worker_threads';

interface Params {
  rateHz: number;
  nice: number;
  realtime: number;
  maxSeconds: number;
}

type Mode = 'timer' | 'wait';

runChild<Params>((p, ready) => {
  const samples: Record<Mode, number[]> = { timer: [], wait: [] };
  const priority: Partial<Record<Mode, unknown>> = {};
  const workers: Worker[] = [];
  let pending = 0;
  for (const mode of ['timer', 'wait'] as const) {
    const w = startTsWorker(new URL('./floor-probe-worker.ts', import.meta.url), { workerData: { mode, rateHz: p.rateHz, nice: p.nice, realtime: p.realtime } });
    w.on('message', (m: { late?: number[]; priority?: unknown; t?: string; message?: string }) => {
      if (m.t === 'failed') process.stdout.write(JSON.stringify({ type: 'error', message: m.message }) + '\n');
      if (m.priority) {
        priority[mode] = m.priority;
        if (++pending === 2) ready();
      }
      if (m.late) samples[mode].push(...m.late);
    });
    workers.push(w);
  }
  // the samples come over every second: nothing piles up in the worker
  const pull = setInterval(() => workers.forEach((w) => w.postMessage('take')), 1000);
  const figures = (xs: number[]) => ({
    n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), p999: percentile(xs, 99.9), max: xs.length ? Math.max(...xs) : NaN,
  });
  return {
    mark: () => {
      samples.timer = [];
      samples.wait = [];
    },
    result: () => ({ priority, timer: figures(samples.timer), wait: figures(samples.wait) }),
    close: () => {
      clearInterval(pull);
      for (const w of workers) void w.terminate();
    },
  };
});

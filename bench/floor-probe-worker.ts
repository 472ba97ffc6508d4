// Worker of the overload bench's floor probe (bench/floor-probe.ts): a thread with the control
// thread's priority (server/control-plane/thread-priority.ts, the same calls and values as
// server/control-plane/control-worker.ts) that does nothing but wake at 50 Hz and note how late.
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNice, setThreadRealtime } from '../server/control-plane/thread-priority.ts';

interface Params {
  /** 'timer': a libuv setTimeout per period; 'wait': Atomics.wait until the due time (the kernel's wake-up alone) */
  mode: 'timer' | 'wait';
  rateHz: number;
  nice: number;
  realtime: number;
}

const p = workerData as Params;
const port = parentPort!;
const priority = setThreadNice(p.nice);
if (p.realtime > 0) priority.realtime = setThreadRealtime(p.realtime);
const period = 1000 / p.rateHz;
// lateness of each wake, ms; the parent takes them in batches
let late: number[] = [];
let due = performance.now() + period;
const cell = new Int32Array(new SharedArrayBuffer(4));

function wake(): void {
  const now = performance.now();
  late.push(Math.max(0, now - due));
  due += period;
  // like the control loops' scheduler: a wake more than a period late skips ahead instead of bursting
  if (due < now - period) due = now + period;
  next();
}

function next(): void {
  if (p.mode === 'timer') {
    setTimeout(wake, Math.max(0, due - performance.now()));
    return;
  }
  // sleep in the kernel until the due time, in chunks of at most 5 ms so that messages still get in
  const wait = due - performance.now();
  if (wait > 5) {
    setTimeout(next, wait - 5);
    return;
  }
  if (wait > 0) Atomics.wait(cell, 0, 0, wait);
  wake();
}

port.on('message', (m: string) => {
  if (m === 'take') {
    port.postMessage({ late });
    late = [];
  }
});
port.postMessage({ priority });
next();

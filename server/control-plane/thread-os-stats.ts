import { readFileSync } from 'node:fs';

/** What the kernel counted for the calling thread over the window (Linux; null elsewhere). */
export interface ThreadOsReading {
  /** page faults served without I/O; each may wait on the process's memory-map lock */
  minorFaults: number;
  majorFaults: number;
  /** the thread gave up the CPU (a sleep, or waiting on a lock) */
  voluntarySwitches: number;
  /** the thread was taken off the CPU while it wanted to run */
  involuntarySwitches: number;
  /** time on a CPU, and time runnable but waiting for one, ms */
  cpuMs: number;
  runQueueMs: number;
}

interface Counters {
  minflt: number;
  majflt: number;
  vol: number;
  invol: number;
  cpuNs: number;
  waitNs: number;
}

function read(): Counters | null {
  try {
    // /proc/thread-self/stat: the fields after the command's closing parenthesis; minflt is field 10, majflt 12
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync('/proc/thread-self/status', 'utf8');
    const num = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    const [cpuNs, waitNs] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(' ').map(Number);
    return { minflt: Number(f[7]), majflt: Number(f[9]), vol: num('voluntary_ctxt_switches'), invol: num('nonvoluntary_ctxt_switches'), cpuNs, waitNs };
  } catch {
    return null;
  }
}

/**
 * The kernel's counters of the thread that created it (page faults, context switches, CPU and
 * run-queue time), as differences since the last reset: they tell a tick that waited for the CPU
 * or for a lock from one that computed (docs/architecture.md "Threads"). Must be created and read
 * on the thread it describes.
 */
export class ThreadOsStats {
  #base: Counters | null = read();

  reset(): void {
    this.#base = read();
  }

  read(): ThreadOsReading | null {
    const now = read();
    const b = this.#base;
    if (!now || !b) return null;
    return {
      minorFaults: now.minflt - b.minflt, majorFaults: now.majflt - b.majflt,
      voluntarySwitches: now.vol - b.vol, involuntarySwitches: now.invol - b.invol,
      cpuMs: (now.cpuNs - b.cpuNs) / 1e6, runQueueMs: (now.waitNs - b.waitNs) / 1e6,
    };
  }
}

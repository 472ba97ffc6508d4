import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What raising a thread's priority achieved (reported in /api/status). */
export interface ThreadPriority {
  /** the niceness asked for (-20 highest .. 19 lowest) */
  wanted: number;
  /** the niceness the thread has now, or null where it cannot be read */
  nice: number | null;
  /** '' when the thread has the niceness asked for; why not otherwise */
  error: string;
  /** SCHED_FIFO priority asked for (0: none) and whether the thread got it */
  realtime?: { wanted: number; ok: boolean; error: string };
  /** SCHED_FIFO priority asked for the process's helper threads (V8's, libuv's), how many, and whether they got it */
  helpers?: { wanted: number; threads: number; ok: boolean; error: string };
}

function threadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

/**
 * Puts the calling thread in the SCHED_FIFO real-time class at `priority` (1..99) with chrt(1):
 * a real-time thread runs as soon as it wakes, ahead of every ordinary thread, so a busy CPU
 * cannot delay a tick (the kernel still keeps 5% of each second for ordinary threads). Needs root
 * or CAP_SYS_NICE; the error says why not otherwise.
 */
export function setThreadRealtime(priority: number): { wanted: number; ok: boolean; error: string } {
  const tid = threadId();
  if (tid === null) return { wanted: priority, ok: false, error: 'real-time scheduling is set on Linux only' };
  try {
    execFileSync('chrt', ['-f', '-p', String(priority), String(tid)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 2000 });
    const out = execFileSync('chrt', ['-p', String(tid)], { encoding: 'utf8', timeout: 2000 });
    return /SCHED_FIFO/.test(out) ? { wanted: priority, ok: true, error: '' } : { wanted: priority, ok: false, error: `chrt did not take: ${out.trim()}` };
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return { wanted: priority, ok: false, error: `could not set SCHED_FIFO ${priority}: ${(e.stderr?.toString() || e.message).trim()} (needs chrt, and root or CAP_SYS_NICE)` };
  }
}

/**
 * The threads Node started before any JavaScript ran, as recorded by the entry point
 * (bin/startup-threads.js), or null when this process did not start through it.
 */
export function startupThreads(): number[] | null {
  const [pid, list] = (process.env.TAKEOVER_STARTUP_THREADS ?? '').split(':');
  // the variable is inherited by child processes: it speaks for the process that wrote it only
  if (list === undefined || Number(pid) !== process.pid) return null;
  return list.split(',').filter(Boolean).map(Number);
}

/**
 * Puts the given helper threads (V8's platform threads, libuv's pool: `startupThreads()`), except
 * the main thread and the caller, in SCHED_FIFO at `priority`. A garbage collection of the control
 * thread hands work to V8's platform threads and waits for them; at ordinary priority on a busy
 * machine they are preempted and the control thread's pause grows by their wait. Give them a
 * priority below the control thread's, so that they never delay a tick by themselves. Only threads
 * known to do bounded work are raised: a JavaScript thread (a worker, tsx's loader) in SCHED_FIFO
 * that keeps busy would starve every ordinary thread on its core, the main thread included.
 */
export function setHelperThreadsRealtime(priority: number, tids: readonly number[] | null): { wanted: number; threads: number; ok: boolean; error: string } {
  if (tids === null) return { wanted: priority, threads: 0, ok: false, error: 'helper threads unknown (the process did not start through bin/takeover.js): none raised' };
  const self = threadId();
  let alive: Set<number>;
  try {
    alive = new Set(readdirSync('/proc/self/task').map(Number));
  } catch {
    return { wanted: priority, threads: 0, ok: false, error: 'real-time scheduling is set on Linux only' };
  }
  const targets = tids.filter((t) => alive.has(t) && t !== process.pid && t !== self);
  try {
    for (const t of targets) execFileSync('chrt', ['-f', '-p', String(priority), String(t)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 2000 });
    return { wanted: priority, threads: targets.length, ok: true, error: '' };
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return { wanted: priority, threads: targets.length, ok: false, error: `could not set SCHED_FIFO ${priority} on the helper threads: ${(e.stderr?.toString() || e.message).trim()}` };
  }
}

/**
 * Sets the niceness of the calling thread only (not the process). Linux schedules threads as
 * tasks, and setpriority() on a thread id affects that thread alone; the id comes from
 * /proc/thread-self. Lowering niceness below 0 needs root or CAP_SYS_NICE: without it the thread
 * keeps its priority and the error says so (the server runs on, less protected against a busy CPU).
 */
export function setThreadNice(wanted: number): ThreadPriority {
  const tid = threadId();
  if (tid === null) return { wanted, nice: null, error: 'thread priorities are set on Linux only (/proc/thread-self missing)' };
  try {
    setPriority(tid, wanted);
    return { wanted, nice: getPriority(tid), error: '' };
  } catch (err) {
    let nice: number | null = null;
    try { nice = getPriority(tid); } catch { /* reported as unknown */ }
    return { wanted, nice, error: `could not set niceness ${wanted}: ${(err as Error).message} (needs root or CAP_SYS_NICE)` };
  }
}

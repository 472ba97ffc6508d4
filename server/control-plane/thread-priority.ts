import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What raising a thread's priority achieved (reported in /api/status). */
export interface ThreadPriority {
  /** the niceness asked for (-20 highest .. 19 lowest) */
  wanted: number;
  /** the niceness the thread has now, or null where it cannot be read */
  nice: number | null;
  /** '' when the thread has the niceness asked for; why not otherwise */
  error: string;
}

/**
 * Sets the niceness of the calling thread only (not the process). Linux schedules threads as
 * tasks, and setpriority() on a thread id affects that thread alone; the id comes from
 * /proc/thread-self. Lowering niceness below 0 needs root or CAP_SYS_NICE: without it the thread
 * keeps its priority and the error says so (the server runs on, less protected against a busy CPU).
 */
export function setThreadNice(wanted: number): ThreadPriority {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return { wanted, nice: null, error: 'thread priorities are set on Linux only (/proc/thread-self missing)' };
  }
  try {
    setPriority(tid, wanted);
    return { wanted, nice: getPriority(tid), error: '' };
  } catch (err) {
    let nice: number | null = null;
    try { nice = getPriority(tid); } catch { /* reported as unknown */ }
    return { wanted, nice, error: `could not set niceness ${wanted}: ${(err as Error).message} (needs root or CAP_SYS_NICE)` };
  }
}

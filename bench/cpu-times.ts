// The machine's CPU times from /proc/stat (the overload bench reads steal time with them: on a VM,
// time the hypervisor gave this guest's vCPUs to someone else, which no thread priority can win back).
import { readFileSync } from 'node:fs';

/** The aggregate `cpu` line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  busy: number;
  idle: number;
  steal: number;
  total: number;
}

/** Reads /proc/stat; null where there is none. */
export function readCpuTimes(): CpuTimes | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return null;
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = user + nice + system + irq + softirq;
    return { busy, idle: idle + iowait, steal, total: busy + idle + iowait + steal };
  } catch {
    return null;
  }
}

/** Shares of all CPUs' time between two reads, percent: busy, idle, steal. */
export function cpuShares(a: CpuTimes | null, b: CpuTimes | null): { busyPct: number; idlePct: number; stealPct: number; stealTicks: number } | null {
  if (!a || !b || b.total <= a.total) return null;
  const d = b.total - a.total;
  return { busyPct: (100 * (b.busy - a.busy)) / d, idlePct: (100 * (b.idle - a.idle)) / d, stealPct: (100 * (b.steal - a.steal)) / d, stealTicks: b.steal - a.steal };
}

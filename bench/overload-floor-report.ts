// The overload bench's floor table: the control loops' tick jitter next to the lateness of a bare
// thread of the same priority on the same machine in the same phase (bench/floor-probe.ts).
import type { Figures, Lateness } from './overload-figures.ts';
import { fmt } from './percentiles.ts';

const show = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? fmt(x, 3) : 'n/a');
const ratio = (c: number | null, f: number | null): string => (c !== null && f !== null && f > 0 ? `x${fmt(c / f, 3)}` : '-');

/** The targets of the overload phase (tick jitter, ms). */
const TARGET = { p99: 2, p999: 10 };

function control(f: Figures, pick: 'worst' | 'median'): Lateness {
  return { p50: f.jitterP50[pick], p99: f.jitterP99[pick], p999: f.jitterP999[pick], max: f.jitterMax[pick] };
}

/** Control jitter against the floor, both phases, plus the CPU's steal time, and what the floor alone allows. */
export function floorTable(b: Figures, o: Figures): string {
  const rows: Array<[string, Lateness, Lateness]> = [
    ['control tick jitter, worst robot', control(b, 'worst'), control(o, 'worst')],
    ['control tick jitter, median robot', control(b, 'median'), control(o, 'median')],
    ['floor: bare thread, libuv timer', b.floorTimer, o.floorTimer],
    ['floor: bare thread, Atomics.wait', b.floorWait, o.floorWait],
  ];
  const keys = ['p50', 'p99', 'p999', 'max'] as const;
  const head = ['ms', ...keys.map((k) => `base ${k}`), ...keys.map((k) => `load ${k}`)];
  const body = rows.map(([n, x, y]) => [n, ...keys.map((k) => show(x[k])), ...keys.map((k) => show(y[k]))]);
  const worst = (f: Figures) => control(f, 'worst');
  body.push(['ratio worst robot / floor (timer)', ...keys.map((k) => ratio(worst(b)[k], b.floorTimer[k])), ...keys.map((k) => ratio(worst(o)[k], o.floorTimer[k]))]);
  body.push(['ratio worst robot / floor (wait)', ...keys.map((k) => ratio(worst(b)[k], b.floorWait[k])), ...keys.map((k) => ratio(worst(o)[k], o.floorWait[k]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(head), `|${widths.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...body.map(line)];
  const pct = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)}%`);
  out.push(`CPU over the window (all cores, /proc/stat): baseline busy ${pct(b.cpuBusyPct)}, steal ${pct(b.cpuStealPct)}; overload busy ${pct(o.cpuBusyPct)}, steal ${pct(o.cpuStealPct)} (steal: vCPU time the VM's host gave to others; no priority inside the VM wins it back)`);
  // the best a loop on this machine can do is the Atomics.wait floor: if it is over a target, so is any loop
  const over = (f: Lateness) => [f.p99 !== null && f.p99 > TARGET.p99 ? `p99 ${show(f.p99)} > ${TARGET.p99}` : '', f.p999 !== null && f.p999 > TARGET.p999 ? `p99.9 ${show(f.p999)} > ${TARGET.p999}` : ''].filter(Boolean);
  const fo = over(o.floorWait);
  out.push(fo.length
    ? `FLOOR OVER TARGET under load: a bare thread of the control thread's priority is itself late by ${fo.join(', ')} ms; no loop on this machine can meet those targets in this run`
    : `floor under load within the targets (p99 <= ${TARGET.p99}, p99.9 <= ${TARGET.p999} ms): what the loops add above it is ours`);
  return out.join('\n') + '\n';
}

/** Where the control thread's time went in each phase: late wake-ups, long ticks, collections. */
export function threadTable(b: Figures, o: Figures): string {
  const rows: Array<[string, (f: Figures) => number | null | undefined]> = [
    ['wake-up late p50 ms', (f) => f.thread?.wakeLateP50Ms],
    ['wake-up late p99 ms', (f) => f.thread?.wakeLateP99Ms],
    ['wake-up late max ms', (f) => f.thread?.wakeLateMaxMs],
    ['  after a sleep (the kernel woke it late) p99 ms', (f) => f.thread?.wokeFromSleepP99Ms],
    ['  runs reached only after due (other work ran past it)', (f) => f.thread?.lateAfterWork],
    ['    their lateness p99 ms', (f) => f.thread?.lateAfterWorkP99Ms],
    ['one tick p50 ms', (f) => f.thread?.tickP50Ms],
    ['one tick p99 ms', (f) => f.thread?.tickP99Ms],
    ['one tick max ms', (f) => f.thread?.tickMaxMs],
    ['share of wall time in ticks', (f) => f.thread?.busyShare],
    ['other work between ticks (commands, frames), one task p99 ms', (f) => f.thread?.workP99Ms],
    ['  max ms', (f) => f.thread?.workMaxMs],
    ['  share of wall time', (f) => f.thread?.workShare],
    ['collections (GC)', (f) => f.thread?.gc.count],
    ['  of them full (mark-compact)', (f) => f.thread?.gc.major],
    ['  total ms', (f) => f.thread?.gc.totalMs],
    ['  p99 ms', (f) => f.thread?.gc.p99Ms],
    ['  max ms', (f) => f.thread?.gc.maxMs],
    ['kernel: CPU ms', (f) => f.thread?.os?.cpuMs],
    ['  runnable, waiting for a CPU ms', (f) => f.thread?.os?.runQueueMs],
    ['  context switches, voluntary (sleeps, lock waits)', (f) => f.thread?.os?.voluntarySwitches],
    ['  context switches, involuntary', (f) => f.thread?.os?.involuntarySwitches],
    ['  minor page faults', (f) => f.thread?.os?.minorFaults],
    ['teleop, frame arrival -> posted (network thread) p50 ms', (f) => f.thread?.teleopPath?.networkP50Ms],
    ['  p99 ms', (f) => f.thread?.teleopPath?.networkP99Ms],
    ['teleop, posted -> read by the control thread p50 ms', (f) => f.thread?.teleopPath?.hopP50Ms],
    ['  p99 ms', (f) => f.thread?.teleopPath?.hopP99Ms],
    ['teleop, read -> run (control thread inbox) p50 ms', (f) => f.thread?.teleopPath?.queuedP50Ms],
    ['  p99 ms', (f) => f.thread?.teleopPath?.queuedP99Ms],
  ];
  const head = ['control thread (server, GET /api/status controlThread)', 'baseline', 'overload'];
  const body = rows.map(([n, pick]) => [n, show(pick(b)), show(pick(o))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const slow = (f: Figures) => (f.thread?.slowest ?? []).map((x) => `${x.what} ${fmt(x.ms, 3)} ms`).join('; ') || 'none over 1 ms';
  return [line(head), `|${widths.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...body.map(line),
    `longest tasks on the control thread, baseline: ${slow(b)}`, `longest tasks on the control thread, overload: ${slow(o)}`].join('\n') + '\n';
}

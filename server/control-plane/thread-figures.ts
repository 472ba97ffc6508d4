import { getHeapStatistics } from 'node:v8';
import { Type, type Static } from '@sinclair/typebox';
import type { TickFiguresReading } from '../control/tick-figures.ts';
import type { GcPausesReading } from './gc-pauses.ts';
import type { TeleopPathReading } from './teleop-path.ts';
import type { ThreadOsReading } from './thread-os-stats.ts';

const Ms = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

/** Where the control thread's time went over the window (GET /api/status `controlThread`). */
export const ThreadFiguresSchema = Type.Object({
  wakeLateP50Ms: Ms('how late the thread started a run of due ticks: timer, kernel, a busy event loop'),
  wakeLateP99Ms: Ms(''), wakeLateMaxMs: Ms(''),
  lateAfterWork: Type.Integer({ description: "runs of due ticks the thread reached only after their due time: its own other work (commands, frames, status, a collection) ran past it" }),
  lateAfterWorkP99Ms: Ms('their lateness'),
  wokeFromSleepP99Ms: Ms("lateness of the runs that slept until due: the kernel's wake-up"),
  tickP50Ms: Ms("one robot's tick: bridge I/O, policy, arbiter, pipeline, rewind, recording"),
  tickP99Ms: Ms(''), tickMaxMs: Ms(''),
  busyShare: Type.Union([Type.Number(), Type.Null()], { description: "share of the window's wall time inside ticks" }),
  workP99Ms: Ms('other work between ticks (a batch of commands, a frame flush): one task'), workMaxMs: Ms(''),
  workShare: Type.Union([Type.Number(), Type.Null()], { description: "share of the window's wall time in that other work" }),
  slowest: Type.Array(Type.Object({ what: Type.String(), ms: Type.Number() }), { description: 'the longest tasks of the window (over 1 ms): ticks, commands, frame flushes, messages' }),
  sleepMessages: Type.Integer({ description: 'messages taken in the pre-tick sleep, woken by their doorbell, rather than after the tick' }),
  gc: Type.Object({
    count: Type.Integer(), totalMs: Type.Number(), p99Ms: Ms('a collection stops every tick of this thread'), maxMs: Ms(''),
    major: Type.Integer({ description: 'full (mark-compact) collections among them' }),
  }),
  os: Type.Union([Type.Object({
    minorFaults: Type.Integer({ description: 'page faults without I/O (each may wait on the memory-map lock of the process)' }),
    majorFaults: Type.Integer(),
    voluntarySwitches: Type.Integer({ description: 'the thread gave up the CPU: a sleep, or a wait on a lock' }),
    involuntarySwitches: Type.Integer({ description: 'taken off the CPU while it wanted to run' }),
    cpuMs: Type.Number(), runQueueMs: Type.Number({ description: 'runnable but waiting for a CPU' }),
  }), Type.Null()], { description: "the kernel's counters for the thread over the window (Linux)" }),
  heap: Type.Object({
    totalMiB: Type.Number({ description: "the thread's V8 heap as reserved (what its collections leave mapped)" }),
    usedMiB: Type.Number(), mallocedMiB: Type.Number({ description: "V8's own malloc'd memory" }),
  }, { description: "this thread's V8 heap now (not the window's): with the network thread's in GET /api/status `memory`, where the process's memory is" }),
  teleopPath: Type.Object({
    count: Type.Integer({ description: 'teleops the loops ran in the window' }),
    networkP50Ms: Ms('network thread: frame arrival -> posted to the control thread'), networkP99Ms: Ms(''),
    hopP50Ms: Ms('posted -> read by the control thread (asleep before a tick, or ticking)'), hopP99Ms: Ms(''),
    queuedP50Ms: Ms("read -> run, in the control thread's inbox"), queuedP99Ms: Ms(''),
  }, { description: 'the legs of the teleop latency (commandLatency*Ms): where a late teleop waited' }),
}, { $id: 'takeover/ThreadFigures' });
export type ThreadFigures = Static<typeof ThreadFiguresSchema>;

/** The scheduler's, the collector's, the kernel's and the teleop path's figures as one block. */
export function threadFigures(ticks: TickFiguresReading, gc: GcPausesReading, os: ThreadOsReading | null, teleopPath: TeleopPathReading): ThreadFigures {
  return { ...ticks, gc, os, heap: heapNow(), teleopPath };
}

const MiB = 1024 * 1024;

/** The calling thread's V8 heap now, MiB. */
function heapNow(): { totalMiB: number; usedMiB: number; mallocedMiB: number } {
  const h = getHeapStatistics();
  return { totalMiB: h.total_heap_size / MiB, usedMiB: h.used_heap_size / MiB, mallocedMiB: h.malloced_memory / MiB };
}

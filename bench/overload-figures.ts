// The overload bench's figures of one phase, from its status reads, client results and journals.
import type { PhaseResult } from './overload-phase.ts';
import type { ThreadFigures } from '../server/control-plane/thread-figures.ts';
import { percentile } from './percentiles.ts';

/** Worst and median robot of one figure. */
export interface Spread {
  worst: number | null;
  median: number | null;
}

/** Lateness of a 50 Hz wake-up, ms. */
export interface Lateness {
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export interface Figures {
  /** the floor probe (bench/floor-probe.ts): a thread at the control thread's priority on a libuv timer */
  floorTimer: Lateness;
  /** the same, sleeping in Atomics.wait to the due time (the kernel's and the VM's wake-up alone) */
  floorWait: Lateness;
  /** samples behind the floor figures (timer thread) */
  floorSamples: number | null;
  /** all CPUs over the window (/proc/stat), percent; steal = taken by the VM's host */
  cpuBusyPct: number | null;
  cpuStealPct: number | null;
  jitterP50: Spread;
  jitterP99: Spread;
  jitterP999: Spread;
  jitterMax: Spread;
  /** time between a robot's consecutive steps inside the window (journals) */
  intervalP99: Spread;
  intervalMax: Spread;
  /** episodes of the teleoped robots that ended while the catalog was locked (each a catalog write) */
  endsDuringLock: number | null;
  /** ticks in the smallest jitter ring read (rings hold 4096) */
  ringTicks: number | null;
  /** most ticks a robot ran from before the loads started to the end read */
  ticksSinceStart: number | null;
  /** lowest per-robot rate over the window, from the steps the journals hold from inside it */
  hzMin: number | null;
  configuredHz: number;
  /** robots whose status says rateOk false at the end */
  rateNotOk: number | null;
  teleopServerP50: Spread;
  teleopServerP99: Spread;
  teleopClientP50: number | null;
  teleopClientP99: number | null;
  teleopUnanswered: number | null;
  estopP99: number | null;
  estopMax: number | null;
  /** the server's share: an e-stop frame's arrival to its answer handed to the socket (GET /api/status estopAck) */
  estopServerP99: number | null;
  estopServerMax: number | null;
  /** each path alone, send -> ack at the client: /ws, and the safety socket (null: none) */
  estopWsP99: number | null;
  estopSafetyP99: number | null;
  /** the safety socket's thread: arrival -> answer (GET /api/status safetySocket.estopAck) */
  estopSafetyServerP99: number | null;
  estops: number | null;
  estopUnanswered: number | null;
  pauses: number | null;
  pauseReasons: Record<string, number>;
  stepsLost: number | null;
  recorderDropped: number | null;
  recorderRejected: number | null;
  catalogMismatches: number | null;
  cleanExit: boolean;
  rssBefore: number | null;
  rssEnd: number | null;
  rssPeak: number | null;
  rssAfterLoads: number | null;
  rssGrowth: number | null;
  framesDropped: number | null;
  overruns: number | null;
  /** the control thread's wake-ups, tick times and collections over the window (GET /api/status) */
  thread: ThreadFigures | null;
}

const fin = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const orNull = (x: unknown): number | null => (fin(x as number) ? (x as number) : null);

function spread<T>(robots: T[] | undefined, key: keyof T): Spread {
  const xs = (robots ?? []).map((r) => r[key] as number | null).filter(fin);
  return xs.length ? { worst: Math.max(...xs), median: percentile(xs, 50) } : { worst: null, median: null };
}

function lateness(x: unknown): Lateness {
  const o = (x ?? {}) as Record<string, unknown>;
  return { p50: orNull(o.p50), p99: orNull(o.p99), p999: orNull(o.p999), max: orNull(o.max) };
}

/** Figures of a phase; missing reads give nulls (a FAIL where a target applies). */
export function phaseFigures(p: PhaseResult, configuredHz: number): Figures {
  const robots = p.end?.status.robots;
  const teleopRobots = robots?.filter((r) => p.teleopRobots.includes(r.id));
  // steps the journals hold from inside the window: each tick records one step (server/control/control-loop.ts)
  const inWindow = p.journals?.robots.map((r) => r.inWindow) ?? [];
  const hzMin = inWindow.length && p.windowS > 0 ? Math.min(...inWindow) / p.windowS : null;
  const t = p.clients.teleop ?? {};
  const lock = p.loads['d-catalog-lock'];
  const ends = t.episodeEndsAtMs as number[] | undefined;
  const endsDuringLock = lock?.acquired && ends ? ends.filter((x) => x >= (lock.acquiredAtMs as number) && x <= ((lock.releasedAtMs as number | null) ?? Infinity)).length : null;
  const e = p.clients.estop ?? {};
  const rec = (p.last ?? p.end)?.status.recorder ?? null;
  const j = p.journals;
  const lost = j ? Math.max(j.lost, rec ? rec.dropped + rec.rejected : 0) : null;
  const cat = j && !j.catalog.error ? j.catalog.mismatched : null;
  const floor = p.clients.floor ?? {};
  return {
    floorTimer: lateness(floor.timer),
    floorWait: lateness(floor.wait),
    floorSamples: orNull((floor.timer as Record<string, unknown> | undefined)?.n),
    cpuBusyPct: p.cpu ? p.cpu.busyPct : null,
    cpuStealPct: p.cpu ? p.cpu.stealPct : null,
    jitterP50: spread(robots, 'jitterP50Ms'),
    jitterP99: spread(robots, 'jitterP99Ms'),
    jitterP999: spread(robots, 'jitterP999Ms'),
    jitterMax: spread(robots, 'jitterMaxMs'),
    intervalP99: spread(p.journals?.robots, 'intervalP99Ms'),
    intervalMax: spread(p.journals?.robots, 'intervalMaxMs'),
    endsDuringLock,
    ringTicks: robots?.length ? Math.min(...robots.map((r) => Math.min(4096, r.ticks))) : null,
    ticksSinceStart: robots?.length && p.start ? Math.max(...robots.map((r) => r.ticks - (p.start!.status.robots.find((x) => x.id === r.id)?.ticks ?? 0))) : null,
    hzMin,
    configuredHz,
    rateNotOk: robots ? robots.filter((r) => !r.rateOk).length : null,
    teleopServerP50: spread(teleopRobots, 'commandLatencyP50Ms'),
    teleopServerP99: spread(teleopRobots, 'commandLatencyP99Ms'),
    teleopClientP50: orNull(t.rttP50Ms),
    teleopClientP99: orNull(t.rttP99Ms),
    teleopUnanswered: orNull(t.unansweredAfter1s),
    estopP99: orNull(e.estopP99Ms),
    estopMax: orNull(e.estopMaxMs),
    estopServerP99: orNull(p.end?.status.estopAck.p99Ms),
    estopServerMax: orNull(p.end?.status.estopAck.maxMs),
    estopWsP99: orNull((e.ws as Record<string, unknown> | undefined)?.p99Ms),
    estopSafetyP99: orNull((e.safety as Record<string, unknown> | null | undefined)?.p99Ms),
    estopSafetyServerP99: orNull(p.end?.status.safetySocket?.estopAck.p99Ms),
    estops: orNull(e.estops),
    estopUnanswered: orNull(e.unanswered),
    pauses: orNull(t.pauses),
    pauseReasons: (t.pauseReasons as Record<string, number>) ?? {},
    stepsLost: lost,
    recorderDropped: rec ? rec.dropped : null,
    recorderRejected: rec ? rec.rejected : null,
    catalogMismatches: cat,
    cleanExit: !!p.stop?.clean,
    rssBefore: p.rss.before,
    rssEnd: p.rss.end,
    rssPeak: p.rss.peak,
    rssAfterLoads: p.rss.afterLoads,
    rssGrowth: fin(p.rss.before) && fin(p.rss.end) ? p.rss.end - p.rss.before : null,
    framesDropped: p.end ? p.end.status.framesDropped : null,
    overruns: p.start && p.end ? p.end.status.schedulerOverruns - p.start.status.schedulerOverruns : null,
    thread: p.end?.status.controlThread ?? null,
  };
}

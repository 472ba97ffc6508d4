// One phase of the overload bench: a fresh server, the baseline clients, optionally the five
// loads, a measured window, status reads, then SIGINT and the journal check.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { cpuShares, readCpuTimes } from './cpu-times.ts';
import { checkJournals, type JournalCheck } from './overload-journals.ts';
import { spawnClient, type ClientProc } from './overload-procs.ts';
import { ServerProc, TOKENS, type StatusRead } from './overload-server.ts';

export interface PhaseOptions {
  name: 'baseline' | 'overload';
  robots: number;
  rateHz: number;
  seconds: number;
  /** seconds between the clients' connecting and the window (or the loads' start) */
  warmupS: number;
  viewers: number;
  /** which loads run, by letter: '' (baseline) or some of 'abcde' */
  loads: string;
  dir: string;
  /** config fields over the bench's (e.g. threadNice) */
  serverConfig?: Record<string, unknown>;
  /** node flags of the server process (--single-threaded-gc) */
  serverNodeFlags?: string[];
  log: (line: string) => void;
}

type Json = Record<string, unknown>;

export interface PhaseResult {
  name: string;
  error: string | null;
  teleopRobots: string[];
  estopRobot: string;
  windowS: number;
  /** the server's timing samples were cleared at the window's start */
  figuresReset: boolean;
  /** the measured window, epoch ms (the recorder's logTime clock) */
  window: { fromMs: number; toMs: number };
  /** before the loads start */
  start: StatusRead | null;
  /** right after the clients stopped */
  end: StatusRead | null;
  /** seconds from the window's end to the end read's answer */
  endReadS: number | null;
  /** the end read was answered with the loads still on (else: after the clients stopped) */
  endUnderLoad: boolean;
  loadAverage: number | null;
  /** all CPUs over the window (/proc/stat): busy, idle and steal (time the VM's host took), percent */
  cpu: ReturnType<typeof cpuShares>;
  /** the last read, just before SIGINT (ticks and recorder stats for the journal check) */
  last: StatusRead | null;
  rss: { before: number | null; peak: number | null; end: number | null; afterLoads: number | null };
  clients: Record<string, Json | null>;
  loads: Record<string, Json | null>;
  childProblems: string[];
  serverDied: string | null;
  stop: Awaited<ReturnType<ServerProc['stop']>> | null;
  journals: JournalCheck | null;
  logErrors: { count: number; first: string | null };
}

/** the teleop operator starts a new episode on one of its robots this often (s) */
export const RESET_EVERY_S = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lock load's timing: 15 s from 3 s into a window of 20 s or more, scaled down for short runs. */
export function lockTiming(seconds: number): { delayS: number; holdS: number } {
  return { delayS: Math.min(3, 0.15 * seconds), holdS: Math.min(15, 0.6 * seconds) };
}

/** Runs one phase; never throws (a failure is in `error`), and leaves no process behind. */
export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const ids = Array.from({ length: o.robots }, (_, i) => `arm${i}`);
  const r: PhaseResult = {
    name: o.name, error: null, teleopRobots: ids.slice(0, -1), estopRobot: ids[ids.length - 1], windowS: 0, figuresReset: false, window: { fromMs: NaN, toMs: NaN }, start: null, end: null, endReadS: null, endUnderLoad: false, loadAverage: null, cpu: null, last: null,
    rss: { before: null, peak: null, end: null, afterLoads: null }, clients: {}, loads: {}, childProblems: [], serverDied: null, stop: null, journals: null,
    logErrors: { count: 0, first: null },
  };
  mkdirSync(o.dir, { recursive: true });
  const procs: ClientProc[] = [];
  let server: ServerProc | null = null;
  let sampler: NodeJS.Timeout | null = null;
  try {
    o.log(`${o.name}: starting the server`);
    server = await ServerProc.start(o.dir, o.robots, o.rateHz, o.serverConfig, undefined, o.serverNodeFlags);
    const s = server;
    const bound = o.seconds + 240;
    const client = (name: string, module: string, params: Json, nice = 0, nofile = 4096) => {
      const c = spawnClient(name, module, { ...params, maxSeconds: bound }, { nice, nofile, logFile: join(o.dir, `${name}.log`) });
      procs.push(c);
      return c;
    };
    const base = [
      client('viewers', './overload-viewers.ts', { url: s.wsUrl, token: TOKENS.viewer.token, viewers: o.viewers }),
      client('teleop', './overload-teleop.ts', { url: s.wsUrl, token: TOKENS.teleop.token, name: TOKENS.teleop.name, robots: r.teleopRobots, rateHz: o.rateHz, resetEveryS: RESET_EVERY_S }),
      client('estop', './overload-estop.ts', { url: s.wsUrl, token: TOKENS.estop.token, robot: r.estopRobot, periodMs: 1000 }),
      // the machine's floor, at the server's priority with threads at the control thread's (bench/floor-probe.ts)
      client('floor', './floor-probe.ts', { rateHz: o.rateHz, nice: -15, realtime: 20 }),
    ];
    // The loads' processes start now and wait for `go`: loading their modules at nice 19 takes a while on a busy machine.
    const viewer = TOKENS.viewer.token;
    const spec: Record<string, () => ClientProc> = {
      a: () => client('a-bad-frames', './load-bad-frames.ts', { url: s.wsUrl, token: viewer, bufferCap: 1 << 20, maxReconnects: 1000 }, 19),
      b: () => client('b-idle-sockets', './load-idle-sockets.ts', { url: s.wsUrl, token: viewer, signedIn: 2000, helloless: 20, concurrency: 32, maxReopen: 1000 }, 19, 8192),
      c: () => client('c-rest', './load-rest.ts', { baseUrl: s.url, token: viewer, paths: ['/api/status', '/api/episodes'], ratePerS: 500, maxInFlight: 64 }, 19),
      d: () => client('d-catalog-lock', './load-catalog-lock.ts', { dbPath: join(s.dataDir, 'catalog.sqlite'), ...lockTiming(o.seconds) }, 19),
      e: () => client('e-stalled-subscriber', './load-stalled-subscriber.ts', { url: s.wsUrl, token: viewer }, 19),
    };
    const loads = [...'abcde'].filter((k) => o.loads.includes(k)).map((k) => spec[k]());
    for (const c of base) c.line('go');
    await waitFor(base, 'ready', 60_000, r);
    // a fresh server's first seconds (tier-up compiles, heap sizing: thousands of page faults on the
    // control thread) are not its steady state; both phases settle as long before their windows
    o.log(`${o.name}: clients connected; ${o.warmupS} s warm-up`);
    await sleep(o.warmupS * 1000);
    await waitFor(loads, 'loaded', 60_000, r);
    r.rss.before = s.rssMiB();
    r.start = await s.status(10_000);
    if (loads.length) {
      for (const c of loads) c.line('go');
      o.log(`${o.name}: loads on (nice 19); waiting for them to ramp up (at most 30 s)`);
      await waitFor(loads, 'ready', 30_000, r);
    }
    const all = [...base, ...loads];
    for (const c of all) c.line('mark');
    // the jitter and latency figures read at the end cover the window only (not the start-up)
    r.figuresReset = await s.resetFigures();
    const cpu0 = readCpuTimes();
    const t0 = performance.now();
    r.window.fromMs = performance.timeOrigin + t0;
    o.log(`${o.name}: measuring ${o.seconds} s`);
    sampler = setInterval(() => {
      const m = s.rssMiB();
      if (m !== null) r.rss.peak = Math.max(r.rss.peak ?? 0, m);
    }, 500);
    while (performance.now() - t0 < o.seconds * 1000 && !s.exit) await sleep(100);
    r.windowS = (performance.now() - t0) / 1000;
    r.window.toMs = performance.timeOrigin + performance.now();
    r.rss.end = s.rssMiB();
    r.cpu = cpuShares(cpu0, readCpuTimes());
    clearInterval(sampler);
    // The end read comes with the loads still on (framesDropped counts connected clients only);
    // if the server cannot answer in 10 s, it is read again once the clients have stopped.
    r.end = await s.status(10_000);
    r.endUnderLoad = r.end !== null;
    const results = await Promise.all(all.map((c) => c.stop(loads.includes(c) ? 15_000 : 5000)));
    all.forEach((c, i) => ((loads.includes(c) ? r.loads : r.clients)[c.name] = results[i]));
    for (const c of all) for (const e of c.errors) r.childProblems.push(`${c.name}: ${e}`);
    r.end ??= await s.status(60_000);
    r.endReadS = r.end ? (r.end.at - t0) / 1000 - r.windowS : null;
    await sleep(2000);
    r.rss.afterLoads = s.rssMiB();
    r.last = await s.status(30_000);
    r.loadAverage = loadavg()[0];
    if (s.exit) r.serverDied = `server exited during the phase (code ${s.exit.code}, signal ${s.exit.signal}): ${s.logTail(3).join(' | ')}`;
    o.log(`${o.name}: SIGINT to the server`);
    r.stop = await s.stop();
    const read = r.last ?? r.end ?? r.start;
    const ticks = new Map<string, number>(ids.map((id) => [id, read?.status.robots.find((x) => x.id === id)?.ticks ?? 0]));
    o.log(`${o.name}: reading the journals`);
    r.journals = await checkJournals(s.dataDir, ticks, r.window);
    r.logErrors = s.logErrors();
  } catch (err) {
    r.error = (err as Error).message;
    if (server?.exit) r.serverDied ??= `server exited (code ${server.exit.code}, signal ${server.exit.signal}): ${server.logTail(3).join(' | ')}`;
  } finally {
    if (sampler) clearInterval(sampler);
    for (const c of procs) if (!c.exited) c.proc.kill('SIGKILL');
    if (server && !server.exit) server.proc.kill('SIGKILL');
  }
  return r;
}

/** Waits for a message (`loaded`, `ready`) from each; notes the ones that did not send it. */
async function waitFor(cs: ClientProc[], type: string, timeoutMs: number, r: PhaseResult): Promise<void> {
  const got = await Promise.all(cs.map((c) => c.waitFor(type, timeoutMs)));
  cs.forEach((c, i) => {
    if (!got[i]) r.childProblems.push(`${c.name}: not ${type} after ${timeoutMs / 1000} s${c.exited ? ` (exited ${c.exitCode})` : ''}${c.errors.length ? `: ${c.errors[0]}` : ''}`);
  });
}

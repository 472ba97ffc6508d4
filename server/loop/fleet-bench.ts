import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import type { OperatorKnobs } from '../../sim/simulated-operator.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import type { HelpConfig } from '../control/help-monitor.ts';
import { createSimLoop, type SimLoop } from '../control/sim-loop.ts';
import { FleetSupervisor, type Allocation, type Priority, type Watch } from './fleet-supervisor.ts';
import { pairedInterval, pairedRatio } from './paired-interval.ts';

export interface FleetBenchOptions {
  dataDir: string;
  /** a policy version; allocations 'help' and 'queue' need one with a help model (docs/training.md) */
  version: string;
  task: TaskName;
  robots: number;
  /** simulated minutes per run */
  minutes: number;
  /** paired runs: run k of every allocation sees the same episode seeds */
  runs: number;
  seedBase: number;
  allocations: Allocation[];
  /** what a robot does while it asks, under allocation 'help' (default pause) */
  helpAction?: NonNullable<HelpConfig['action']>;
  /** the robots' help.rearmS (default 0) */
  helpRearmS?: number;
  /** when the operator sees visible failure (default always) */
  watch?: Watch;
  /** how help requests are ranked (default raised) */
  priority?: Priority;
  /** under allocation 'help', visible failure counts only at this failure risk or above (needs a version with a failure-risk model) */
  watchRisk?: number;
  /** the operator turns only to robots whose episode has at least this many seconds left (default 0) */
  minTimeLeft?: number;
  /** seconds the operator needs to turn to a robot before acting on it (default 1) */
  switchSeconds?: number;
  controlHz?: number;
  operator?: Partial<OperatorKnobs>;
  log?: (line: string) => void;
}

/** One allocation over one run. */
export interface FleetRun {
  allocation: Allocation;
  run: number;
  /** episodes that ended within the run (the ones still running at its end are not counted) */
  episodes: number;
  successes: number;
  successRate: number;
  operatorMinutes: number;
  /** robot-minutes with an open help request or a seen failure that the operator had not reached */
  idleMinutes: number;
  interventions: number;
  helpInterventions: number;
  helpRequests: number;
  /** return on human effort: successes per operator-minute (null: the operator never acted) */
  rohe: number | null;
  wallSeconds: number;
}

export interface FleetComparison {
  /** allocation compared against `failure`, run by run */
  allocation: Allocation;
  roheRatio: { ratio: number; lo: number | null; hi: number | null; n: number; excluded: number };
  successRateDiff: { mean: number; lo: number | null; hi: number | null; n: number };
  operatorMinutesDiff: { mean: number; lo: number | null; hi: number | null; n: number };
  idleMinutesDiff: { mean: number; lo: number | null; hi: number | null; n: number };
}

export interface FleetReport {
  options: Omit<FleetBenchOptions, 'log' | 'dataDir'>;
  runs: FleetRun[];
  comparisons: FleetComparison[];
}

/**
 * The fleet benchmark: `robots` simulated robots on simulated time, all running one policy
 * version, and one simulated operator who attends one robot at a time, allocated by visible
 * failure or by help requests (server/loop/fleet-supervisor.ts). Each run ticks every robot in
 * lockstep for `minutes` of simulated time; a robot starts its next episode (next seed) as soon
 * as one ends. Runs are paired by seed across allocations.
 */
export async function runFleetBench(o: FleetBenchOptions): Promise<FleetReport> {
  const log = o.log ?? (() => {});
  const hz = o.controlHz ?? 20;
  const registry = new PolicyRegistry({ dataDir: o.dataDir });
  const manifest = registry.manifest(o.version);
  if (o.allocations.some((a) => a !== 'failure') && !manifest.help) {
    throw new Error(`policy '${o.version}' has no help model, so it never asks for help: train a version with held-out episodes (docs/training.md "Help model")`);
  }
  if (o.watchRisk !== undefined && !manifest.help?.risk) {
    throw new Error(`policy '${o.version}' has no failure-risk model to filter visible failures by: train one with --help-score risk (docs/training.md "A learned risk of failure")`);
  }
  const runtime = new PolicyRuntime({ source: registry, engine: 'js', maxBatch: 1 });
  const runs: FleetRun[] = [];
  try {
    for (let run = 0; run < o.runs; run++) {
      for (const allocation of o.allocations) {
        const r = await runOne(o, runtime, allocation, run, hz);
        runs.push(r);
        log(`run ${run} ${allocation}: ${r.successes}/${r.episodes} ok, operator ${r.operatorMinutes.toFixed(2)} min, idle ${r.idleMinutes.toFixed(2)} robot-min, ` +
          `${r.interventions} interventions (${r.helpInterventions} from ${r.helpRequests} help requests), ROHE ${r.rohe?.toFixed(2) ?? '-'} (${r.wallSeconds.toFixed(0)} s)`);
      }
    }
  } finally {
    runtime.dispose();
  }
  const { log: _l, dataDir: _d, ...options } = o;
  return { options, runs, comparisons: compare(runs, o.allocations) };
}

async function runOne(o: FleetBenchOptions, runtime: PolicyRuntime, allocation: Allocation, run: number, hz: number): Promise<FleetRun> {
  const t0 = performance.now();
  const dt = 1 / hz;
  const help: HelpConfig = allocation !== 'failure' ? { action: o.helpAction ?? 'pause', timeoutS: 86400, rearmS: o.helpRearmS ?? 0 } : { action: 'notify' };
  const sims: SimLoop[] = [];
  for (let i = 0; i < o.robots; i++) {
    const id = `fleet-r${i}`;
    await runtime.assign(id, o.version);
    sims.push(await createSimLoop({ robotId: id, task: o.task, controlHz: hz, policy: runtime.slotFor(id), help }));
  }
  const sup = new FleetSupervisor(sims.map((s) => s.loop), { task: o.task, allocation, controlHz: hz, switchSeconds: o.switchSeconds, watch: o.watch, priority: o.priority, watchRisk: o.watchRisk, minTimeLeft: o.minTimeLeft, knobs: o.operator });
  // robot i's k-th episode has the same seed under every allocation
  const next = sims.map(() => 0);
  const seedOf = (i: number) => o.seedBase + run * 100_000 + i * 1000 + next[i]++;
  sims.forEach((s, i) => s.loop.start(seedOf(i)));
  let episodes = 0;
  let successes = 0;
  const ticks = Math.round(o.minutes * 60 * hz);
  try {
    for (let t = 1; t <= ticks; t++) {
      sup.tick(t * dt);
      for (let i = 0; i < sims.length; i++) {
        const { loop, clock } = sims[i];
        clock.advance(dt);
        loop.tick();
        const ep = loop.episode;
        if (ep?.outcome) {
          episodes++;
          if (ep.outcome === 'success') successes++;
          sup.episodeEnded(i);
          loop.resetEpisode(seedOf(i));
        }
      }
      // let timers and signals through now and then (a long run is one synchronous stretch otherwise)
      if (t % 200 === 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    for (const s of sims) {
      runtime.release(s.loop.robotId);
      // eight simulators a run: without freeing them, a long benchmark fills the 2 GB WASM heap
      s.bridge.dispose();
    }
  }
  const st = sup.stats;
  const operatorMinutes = st.operatorSeconds / 60;
  return {
    allocation, run, episodes, successes, successRate: episodes ? successes / episodes : 0,
    operatorMinutes, idleMinutes: st.idleSeconds / 60, interventions: st.interventions, helpInterventions: st.helpInterventions, helpRequests: st.helpRequests,
    rohe: operatorMinutes > 0 ? successes / operatorMinutes : null, wallSeconds: (performance.now() - t0) / 1000,
  };
}

function compare(runs: readonly FleetRun[], allocations: readonly Allocation[]): FleetComparison[] {
  if (!allocations.includes('failure')) return [];
  const base = runs.filter((r) => r.allocation === 'failure');
  const out: FleetComparison[] = [];
  for (const a of allocations) {
    if (a === 'failure') continue;
    const other = base.map((b) => runs.find((r) => r.allocation === a && r.run === b.run)!);
    const diff = (f: (r: FleetRun) => number) => pairedInterval(other.map((r, k) => f(r) - f(base[k])));
    out.push({
      allocation: a,
      roheRatio: pairedRatio(base.map((r) => r.rohe ?? NaN), other.map((r) => r.rohe ?? NaN)),
      successRateDiff: diff((r) => r.successRate),
      operatorMinutesDiff: diff((r) => r.operatorMinutes),
      idleMinutesDiff: diff((r) => r.idleMinutes),
    });
  }
  return out;
}

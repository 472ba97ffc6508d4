import { getTask } from '../../sim/tasks/task-registry.ts';
import { runFleetBench, type FleetReport } from '../loop/fleet-bench.ts';
import type { Allocation, Priority, Watch } from '../loop/fleet-supervisor.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

const ALLOCATIONS: readonly Allocation[] = ['failure', 'help', 'queue'];
const HELP_ACTIONS = ['notify', 'slow', 'pause'] as const;
const WATCHES: readonly Watch[] = ['always', 'free'];
const PRIORITIES: readonly Priority[] = ['raised', 'live'];

/** `takeover fleet`: N simulated robots, one simulated operator, allocation by failure vs help requests. */
export const fleetCommand: CliCommand = {
  name: 'fleet',
  summary: 'fleet benchmark: N sim robots, one simulated operator; allocation by visible failure vs by help requests (paired runs)',
  usage:
    'takeover fleet --version V [--robots 8] [--operators 1] [--task place] [--minutes 3] [--runs 4] [--seed-base 50000]\n' +
    '               [--allocation failure,help,queue] [--help-action pause|slow|notify] [--help-rearm 0] [--watch always|free] [--priority raised|live] [--watch-risk P] [--min-time-left 0] [--switch-seconds 1] [--json]\n' +
    '  --version: a policy version in the data dir; allocations help and queue need one with a help model (docs/training.md)\n' +
    '  --minutes: simulated minutes per run; run k of each allocation sees the same episode seeds\n' +
    '  --help-rearm: seconds the policy drives after a request closes before it may ask again (the robots\' help.rearmS)\n' +
    '  --watch: the operator sees visible failure on every robot always, or only while attending none (free)\n' +
    '  --priority: help requests ranked by the score that raised them, or by the robot\'s score now and only while over the threshold (live)\n' +
    '  --watch-risk: under allocation help, a visible failure counts only on a robot whose failure risk is at least P (0 to 1)\n' +
    '  --min-time-left: the operator turns only to a robot whose episode has at least this many seconds left before its step limit',
  options: {
    version: { type: 'string' },
    robots: { type: 'string' },
    operators: { type: 'string' },
    task: { type: 'string' },
    minutes: { type: 'string' },
    runs: { type: 'string' },
    'seed-base': { type: 'string' },
    allocation: { type: 'string' },
    'help-action': { type: 'string' },
    'help-rearm': { type: 'string' },
    'switch-seconds': { type: 'string' },
    watch: { type: 'string' },
    priority: { type: 'string' },
    'watch-risk': { type: 'string' },
    'min-time-left': { type: 'string' },
  },
  async run(flags, values) {
    const version = values.version as string | undefined;
    if (!version) throw new UsageError('--version is required (a policy version in the data dir)');
    let task;
    try {
      task = getTask((values.task as string | undefined) ?? 'place');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const positive = (name: string, fallback: number, min = 1) => {
      const v = intFlag(values, name, fallback)!;
      if (v < min) throw new UsageError(`--${name} must be at least ${min}`);
      return v;
    };
    if (positive('operators', 1) !== 1) throw new UsageError('--operators: only one simulated operator is supported');
    const allocations = String(values.allocation ?? 'failure,help').split(',').map((a) => a.trim());
    for (const a of allocations) if (!(ALLOCATIONS as readonly string[]).includes(a)) throw new UsageError(`--allocation takes ${ALLOCATIONS.join(', ')}, got '${a}'`);
    const helpAction = choice(values, 'help-action', HELP_ACTIONS, 'pause');
    const helpRearmS = Number(values['help-rearm'] ?? 0);
    if (!(helpRearmS >= 0 && helpRearmS <= 3600)) throw new UsageError(`--help-rearm takes seconds from 0 to 3600, got '${String(values['help-rearm'])}'`);
    const watch = choice(values, 'watch', WATCHES, 'always');
    const priority = choice(values, 'priority', PRIORITIES, 'raised');
    const watchRisk = values['watch-risk'] === undefined ? undefined : Number(values['watch-risk']);
    if (watchRisk !== undefined && !(watchRisk >= 0 && watchRisk <= 1)) throw new UsageError(`--watch-risk takes a failure risk from 0 to 1, got '${String(values['watch-risk'])}'`);
    const minutes = Number(values.minutes ?? 3);
    if (!(minutes > 0)) throw new UsageError(`--minutes takes a positive number, got '${String(values.minutes)}'`);
    const minTimeLeft = Number(values['min-time-left'] ?? 0);
    if (!(minTimeLeft >= 0 && minTimeLeft <= 3600)) throw new UsageError(`--min-time-left takes seconds from 0 to 3600, got '${String(values['min-time-left'])}'`);
    const switchSeconds = Number(values['switch-seconds'] ?? 1);
    if (!(switchSeconds >= 0)) throw new UsageError(`--switch-seconds takes a number >= 0, got '${String(values['switch-seconds'])}'`);
    const report = await runFleetBench({
      dataDir: flags.dataDir, version, task: task.name, robots: positive('robots', 8), minutes, runs: positive('runs', 4),
      seedBase: positive('seed-base', 50000, 0), allocations: allocations as Allocation[], helpAction, helpRearmS, switchSeconds, watch, priority, watchRisk, minTimeLeft,
      log: (line) => process.stderr.write(line + '\n'),
    });
    if (flags.json) printJson(report);
    else process.stdout.write(formatFleet(report) + '\n');
    return 0;
  },
};

/** The value of flag `--name`, one of `allowed` (default `fallback`), or a usage error naming them. */
function choice<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const v = String(values[name] ?? fallback);
  if (!(allowed as readonly string[]).includes(v)) {
    const list = allowed.length === 2 ? allowed.join(' or ') : allowed.join(', ');
    throw new UsageError(`--${name} takes ${list}, got '${v}'`);
  }
  return v as T;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const iv = (lo: number | null, hi: number | null, f: (x: number) => string) => (lo === null || hi === null ? '' : ` (${f(lo)} to ${f(hi)})`);

/** The human-readable table of a fleet report. */
export function formatFleet(r: FleetReport): string {
  const lines = ['allocation  run  episodes  success  operator min  idle robot-min  interventions  help req  ROHE'];
  for (const x of r.runs) {
    lines.push(`${x.allocation.padEnd(10)}  ${String(x.run).padStart(3)}  ${String(x.episodes).padStart(8)}  ${pct(x.successRate).padStart(7)}  ${x.operatorMinutes.toFixed(2).padStart(12)}  ${x.idleMinutes.toFixed(2).padStart(14)}  ${String(x.interventions).padStart(13)}  ${String(x.helpRequests).padStart(8)}  ${x.rohe?.toFixed(2) ?? '-'}`);
  }
  for (const c of r.comparisons) {
    const f2 = (x: number) => x.toFixed(2);
    lines.push('', `${c.allocation} vs failure, paired over ${c.successRateDiff.n} runs (95% t intervals):`);
    lines.push(`  ROHE ratio ${f2(c.roheRatio.ratio)}x${iv(c.roheRatio.lo, c.roheRatio.hi, f2)}${c.roheRatio.excluded ? `, ${c.roheRatio.excluded} runs without operator time left out` : ''}`);
    lines.push(`  success rate ${c.successRateDiff.mean >= 0 ? '+' : ''}${pct(c.successRateDiff.mean)}${iv(c.successRateDiff.lo, c.successRateDiff.hi, pct)}`);
    lines.push(`  operator minutes ${f2(c.operatorMinutesDiff.mean)}${iv(c.operatorMinutesDiff.lo, c.operatorMinutesDiff.hi, f2)}; idle robot-minutes ${f2(c.idleMinutesDiff.mean)}${iv(c.idleMinutesDiff.lo, c.idleMinutesDiff.hi, f2)}`);
  }
  return lines.join('\n');
}

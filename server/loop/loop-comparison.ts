import type { Weighting } from '../../policies/sirius-weights.ts';
import type { LoopReport } from './learning-loop.ts';
import { pairedInterval } from './paired-interval.ts';

type Arm = Weighting | 'start';

/** One weighting after one round, over the loop seeds: mean success and its 95% t interval. */
export interface ArmSummary {
  round: number;
  weighting: Arm;
  /** success rate per loop seed, in the seeds' order */
  perSeed: number[];
  mean: number;
  lo: number | null;
  hi: number | null;
}

/**
 * Weighting a against b after one round, paired by loop seed (every weighting of a seed shares
 * its demos, scenes and evaluation seeds): the mean difference in points with its 95% t interval,
 * and, pooled over all evaluation episodes, how many only a solved and how many only b solved.
 */
export interface ArmComparison {
  round: number;
  a: Arm;
  b: Arm;
  points: number;
  lo: number | null;
  hi: number | null;
  seeds: number;
  seedsAAhead: number;
  seedsBAhead: number;
  episodesOnlyA: number;
  episodesOnlyB: number;
}

export interface LoopComparison {
  seeds: number[];
  summaries: ArmSummary[];
  comparisons: ArmComparison[];
}

/**
 * Compares the weightings of several loop runs of one setup that differ only in their seed. Rounds
 * some run did not evaluate are left out. Each weighting is compared with every later one and
 * with the start.
 */
export function compareLoopRuns(reports: readonly LoopReport[]): LoopComparison {
  if (reports.length === 0) throw new Error('compareLoopRuns: no runs');
  const arms = [...reports[0].options.weightings] as Arm[];
  const rounds = [...new Set(reports[0].rows.map((r) => r.round))];
  const rowOf = (rep: LoopReport, round: number, w: Arm) => {
    const row = rep.rows.find((r) => r.round === round && r.weighting === w);
    if (!row) throw new Error(`compareLoopRuns: run ${rep.runId} has no round ${round} ${w}`);
    return row;
  };
  const summaries: ArmSummary[] = [];
  const comparisons: ArmComparison[] = [];
  for (const round of rounds) {
    const here: Arm[] = round === 0 ? ['start'] : arms;
    if (!reports.every((rep) => here.every((w) => rowOf(rep, round, w).eval))) continue;
    for (const w of here) {
      const perSeed = reports.map((rep) => rowOf(rep, round, w).eval!.successRate);
      const s = pairedInterval(perSeed);
      summaries.push({ round, weighting: w, perSeed, mean: s.mean, lo: s.lo, hi: s.hi });
    }
    if (round === 0) continue;
    const pairs: [Arm, Arm][] = [];
    for (let i = 0; i < arms.length; i++) {
      for (let j = i + 1; j < arms.length; j++) pairs.push([arms[i], arms[j]]);
      pairs.push([arms[i], 'start']);
    }
    for (const [a, b] of pairs) {
      const start = (rep: LoopReport) => rowOf(rep, 0, 'start');
      const evalOf = (rep: LoopReport, w: Arm) => (w === 'start' ? start(rep) : rowOf(rep, round, w)).eval;
      if (!reports.every((rep) => evalOf(rep, b))) continue;
      const diffs = reports.map((rep) => 100 * (evalOf(rep, a)!.successRate - evalOf(rep, b)!.successRate));
      const p = pairedInterval(diffs);
      let onlyA = 0;
      let onlyB = 0;
      for (const rep of reports) {
        const failA = new Set(evalOf(rep, a)!.failedSeeds);
        const failB = new Set(evalOf(rep, b)!.failedSeeds);
        for (const s of failA) if (!failB.has(s)) onlyB++;
        for (const s of failB) if (!failA.has(s)) onlyA++;
      }
      comparisons.push({
        round, a, b, points: p.mean, lo: p.lo, hi: p.hi, seeds: p.n,
        seedsAAhead: diffs.filter((d) => d > 0).length, seedsBAhead: diffs.filter((d) => d < 0).length,
        episodesOnlyA: onlyA, episodesOnlyB: onlyB,
      });
    }
  }
  return { seeds: reports.map((r) => r.options.seed), summaries, comparisons };
}

/** a success rate; a t interval's bound is shown clipped to 0-100% */
const pct = (x: number | null) => (x === null ? '-' : `${(100 * Math.min(1, Math.max(0, x))).toFixed(1)}%`);
const pts = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);

/** The comparison as Markdown tables (what docs/results.md collects). */
export function formatLoopComparison(c: LoopComparison): string {
  const lines = [
    `${c.seeds.length} loop seeds (${c.seeds.join(', ')})`,
    '',
    '| round | weighting | mean success (95% CI over seeds) | per seed |',
    '|---|---|---|---|',
    ...c.summaries.map((s) => `| ${s.round} | ${s.weighting} | ${pct(s.mean)} (${pct(s.lo)} to ${pct(s.hi)}) | ${s.perSeed.map((x) => (100 * x).toFixed(0)).join(' ')} |`),
    '',
    '| round | a - b | difference, points (95% CI) | seeds a ahead / b ahead | episodes only a / only b solved |',
    '|---|---|---|---|---|',
    ...c.comparisons.map((d) => `| ${d.round} | ${d.a} - ${d.b} | ${pts(d.points)} (${pts(d.lo)} to ${pts(d.hi)}) | ${d.seedsAAhead} / ${d.seedsBAhead} | ${d.episodesOnlyA} / ${d.episodesOnlyB} |`),
  ];
  return lines.join('\n');
}

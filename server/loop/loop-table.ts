import type { LoopReport } from './learning-loop.ts';

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The loop's results as a Markdown table (what docs/results.md collects). */
export function formatLoopTable(r: LoopReport): string {
  const lines = [
    `run ${r.runId} (seed ${r.options.seed}, rewind ${r.options.rewind ? 'on' : 'off'}, ${r.options.episodesPerRound} episodes/round, eval ${r.options.evalEpisodes} seeds from ${r.options.evalSeedBase})`,
    '',
    '| round | weighting | success (95% CI) | deploy success | interventions/ep | operator steps | rewinds | train samples | train weight | train s |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of r.rows) {
    const e = row.eval;
    const d = row.deploy;
    lines.push(
      `| ${row.round} | ${row.weighting} | ${e ? `${pct(e.successRate)} (${pct(e.ci95[0])}-${pct(e.ci95[1])})` : 'not evaluated'} | ` +
        (d
          ? `${d.successes}/${d.episodes} | ${d.interventionsPerEpisode.toFixed(2)} | ${d.operatorSteps} | ${d.rewinds} | ${row.trainSamples} | ${row.trainWeight.toFixed(0)} | ${row.trainSeconds.toFixed(0)} |`
          : '- | - | - | - | - | - | - |'),
    );
  }
  return lines.join('\n');
}

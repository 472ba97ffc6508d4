import { readFileSync } from 'node:fs';
import { compareLoopRuns, formatLoopComparison } from './server/loop/loop-comparison.ts';
// pairs two multi-seed reports of one weighting by seed: b's weighting renamed, so the comparison shows a - b
const [fa, fb, nameB] = process.argv.slice(2);
const A = JSON.parse(readFileSync(fa, 'utf8')).runs, B = JSON.parse(readFileSync(fb, 'utf8')).runs;
const reports = A.map((r: any) => {
  const b = B.find((x: any) => x.seed === r.seed);
  const rows = [...r.rows, ...b.rows.filter((x: any) => x.round > 0).map((x: any) => ({ ...x, weighting: nameB }))];
  return { runId: r.runId, dir: r.dir, rows, options: { seed: r.seed, weightings: ['sirius', nameB], rewind: false, episodesPerRound: 0, evalEpisodes: 0, evalSeedBase: 0 } };
});
console.log(formatLoopComparison(compareLoopRuns(reports)));

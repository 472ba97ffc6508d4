import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Step } from '../core/step.ts';
import { DisagreementScorer, NoveltyScorer, raisingScores, type HelpScoreChoice } from '../policies/help-model.ts';
import { loadEpisodeSet } from '../policies/episode-loader.ts';
import { extractFeatures } from '../policies/observation-features.ts';
import { PolicyRegistry } from '../policies/policy-registry.ts';
import { runTrainingJob } from '../policies/training-job.ts';
import { recordExpertDemos } from '../server/cli/train-command.ts';
import type { Benchmark } from './run.ts';

type Obs = Step['obs'];

/** Ways to move a recorded state off the demos' distribution (the place task's spawn boxes: docs/training.md). */
const PERTURBATIONS: Array<{ name: string; apply: (o: Obs) => void }> = [
  { name: 'cube 0.20 m nearer the base (out of its spawn box)', apply: (o) => void (o.objects[0].pos[0] -= 0.2) },
  { name: 'cube 0.10 m sideways (partly out of its box)', apply: (o) => void (o.objects[0].pos[1] += 0.1) },
  { name: 'target 0.30 m sideways (out of its box)', apply: (o) => void (o.objects.at(-1)!.pos[1] += 0.3) },
  { name: 'gripper opening +0.03 m', apply: (o) => void (o.gripper += 0.03) },
];

const flag = (args: string[], name: string, dflt: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};

/**
 * The help scores on a real small training run: records scripted-expert 'place' demos, trains a
 * version with `--help-score` (default both), and reports for each score the held-out rate from
 * calibration, the rate on fresh demos of the same distribution and on fresh demo states
 * perturbed off the distribution, and how often the version asks (its raising scores together).
 */
export const helpScoreBench: Benchmark = {
  name: 'help-scores',
  summary: 'novelty vs ensemble disagreement: help rate on held-out / fresh demo states and on perturbed states (place, sim demos)',
  async run(args) {
    const demos = flag(args, 'demos', 16);
    const fresh = flag(args, 'fresh', 6);
    const epochs = flag(args, 'epochs', 30);
    const rate = flag(args, 'rate', 0.02);
    const seed = flag(args, 'seed', 0);
    const choice = (args.find((x) => x.startsWith('--help-score='))?.slice(13) ?? 'both') as HelpScoreChoice;
    if (!['novelty', 'ensemble', 'both'].includes(choice)) throw new Error(`--help-score must be novelty, ensemble or both, got '${choice}'`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-help-bench-'));
    try {
      const trainDir = path.join(root, 'train');
      const freshDir = path.join(root, 'fresh');
      const rec = await recordExpertDemos(trainDir, 'place', demos, seed * 1000, 20);
      const { manifest: m } = await runTrainingJob(
        { episodes: 'kind=demo,task=place,outcome=success', weighting: 'none', epochs, hidden: [64, 64], seed, helpRate: rate, helpScore: choice },
        { dataDir: trainDir, builtinDir: path.join(root, 'none') },
      );
      const lp = await new PolicyRegistry({ dataDir: trainDir, builtinDir: path.join(root, 'none') }).load(m.version);
      const help = m.help!;
      const novelty = new NoveltyScorer(help, lp.helpStates!, m.normalization);
      const ensemble = help.ensemble ? new DisagreementScorer(help.ensemble, lp.helpHeads!, m.normalization) : null;
      const raise = raisingScores(help);
      await recordExpertDemos(freshDir, 'place', fresh, 50_000 + seed * 1000, 20);
      const { episodes } = await loadEpisodeSet(freshDir, { kind: 'demo' });
      const states = episodes.flatMap((e) => e.steps.map((s) => s.obs));
      const row = new Float32Array(m.observation.dim);
      const rates = (obs: readonly Obs[]) => {
        let n = 0;
        let e = 0;
        let either = 0;
        for (const o of obs) {
          extractFeatures(m.observation, o, row, 0);
          const nv = novelty.score(row) > novelty.threshold;
          const en = ensemble ? ensemble.score(row) > ensemble.threshold : false;
          n += +nv;
          e += +en;
          either += +((raise.novelty && nv) || (raise.ensemble && en));
        }
        return { novelty: n / obs.length, ensemble: e / obs.length, either: either / obs.length };
      };
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      const lines = [
        `seed ${seed}: ${rec.successes}/${demos} training demos succeeded; ${m.training!.episodes.length} train / ${m.training!.validationEpisodes.length} held-out episodes, ${epochs} epochs, helpScore '${choice}', help rate ${rate}`,
        `thresholds: novelty ${help.threshold.toFixed(3)} (rate ${help.rate})` + (help.ensemble ? `, ensemble ${help.ensemble.threshold.toFixed(3)} (rate ${help.ensemble.rate}, ${help.ensemble.heads} heads x ${help.ensemble.hidden})` : ''),
        `held-out steps above (calibration): novelty ${help.heldOutAbove}/${help.heldOutSteps}` + (help.ensemble ? `, ensemble ${help.ensemble.heldOutAbove}/${help.ensemble.heldOutSteps}` : ''),
      ];
      const f = rates(states);
      lines.push(`fresh demos (${episodes.length} episodes, ${states.length} steps): novelty ${pct(f.novelty)}, ensemble ${ensemble ? pct(f.ensemble) : '-'}, asks ${pct(f.either)}`);
      for (const p of PERTURBATIONS) {
        const moved = states.map((o) => {
          const c = structuredClone(o);
          p.apply(c);
          return c;
        });
        const r = rates(moved);
        lines.push(`${p.name}: novelty ${pct(r.novelty)}, ensemble ${ensemble ? pct(r.ensemble) : '-'}, asks ${pct(r.either)}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
};
